// Building blocks shared by the paper's backbones (CLIF, DELA, MPVAE), written after the layers
// the released D2ACE code uses.
//
// FeedForward: in -> [Linear -> (BatchNorm) -> activation -> (Dropout)] per hidden width -> Linear
//   -> (BatchNorm -> activation -> Dropout when `output_activation`). Linear weights are Kaiming
//   uniform for the activation (LeakyReLU slope `slope`), biases uniform in [0, 0.1), as the
//   reference's MLP. With no hidden widths the single Linear has no dropout (also as the
//   reference).
// PerLabelLinear: one linear classifier per label over a per-label representation [b, q, h] ->
//   [b, q]; the reference's grouped Conv1d(q, q, h, groups = q), with the same default init.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "core/params.h"
#include "models/model.h"

namespace d2ace {

enum class Activation { kRelu, kLeakyRelu };

struct FeedForwardOptions {
  int64_t in = 0, out = 0;
  std::vector<int64_t> hidden;
  Activation activation = Activation::kRelu;
  double slope = 0.1;  // LeakyReLU's negative slope (also Kaiming's `a`)
  double dropout = 0.0;
  bool batch_norm = false;
  bool output_activation = true;
};

class FeedForwardImpl : public torch::nn::Module {
 public:
  explicit FeedForwardImpl(FeedForwardOptions options);
  torch::Tensor forward(torch::Tensor x);
  void reset_parameters();

 private:
  struct Layer {
    torch::nn::Linear linear{nullptr};
    torch::nn::BatchNorm1d norm{nullptr};
    bool activation = false, dropout = false;
  };
  torch::Tensor activate(const torch::Tensor& x) const;
  FeedForwardOptions options_;
  std::vector<Layer> layers_;
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(FeedForward);

// The ReLU stack the reference builds most often: in -> widths[0] -> ... -> widths.back(), dropout
// after each hidden layer, and ReLU (+ dropout) after the last one too when `output_activation`.
FeedForward relu_stack(int64_t in, std::vector<int64_t> widths, double dropout,
                       bool output_activation);

class PerLabelLinearImpl : public torch::nn::Module {
 public:
  PerLabelLinearImpl(int64_t labels, int64_t width);
  torch::Tensor forward(const torch::Tensor& h);  // [b, q, width] -> [b, q]
  void reset_parameters();

 private:
  torch::Tensor weight_, bias_;
};
TORCH_MODULE(PerLabelLinear);

// The `dropout` parameter of `model`, checked to lie in [0, 1) (InputError otherwise).
// InputError "<model>: dropout must be in [0, 1)" unless 0 <= dropout < 1.
void check_dropout(double dropout, const std::string& model);

// Per-entry binary cross-entropy with logits, [b, q] (every BCE-trained model's loss matrix).
torch::Tensor bce_loss_matrix(const torch::Tensor& logits, const torch::Tensor& targets);

// A plain BCE model's training output: its logits, their per-entry BCE (bce_loss_matrix) and that
// matrix's instance-weighted mean (instance_mean) as the loss.
TrainingOutput bce_training_output(const torch::Tensor& logits, const torch::Tensor& targets,
                                   const torch::Tensor& weights);

// The batch mean of per-instance terms `x` ([b] or [b, ...], instances along dimension `dim`),
// each instance's entries multiplied by its weight (weights [b]); undefined weights give exactly
// x.mean(). As InfoBatch: the weighted sum divided by the number of entries, not by the weights'.
torch::Tensor instance_mean(const torch::Tensor& x, const torch::Tensor& weights, int64_t dim = 0);

}  // namespace d2ace
