// The interface every multi-label backbone offers the trainer and the selectors.
//
// A model maps features [b, d] to logits [b, q]. For training it gives, from one forward pass,
// the per-entry loss matrix [b, q] (what the selectors observe) and the full training loss (what
// is back-propagated; for a plain BCE model the mean of the matrix, for others plus extra terms).
#pragma once

#include <torch/nn/module.h>

#include <memory>

#include "core/params.h"
#include "core/registry.h"

namespace d2ace {

struct ModelShape {
  int64_t features = 0;
  int64_t labels = 0;
};

struct TrainingOutput {
  torch::Tensor logits;       // [b, q]
  torch::Tensor loss_matrix;  // [b, q], per-entry loss
  torch::Tensor loss;         // scalar, what backward() runs on
};

class MultiLabelModel : public torch::nn::Module {
 public:
  // Logits for evaluation (call under eval() and NoGradGuard).
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // One training forward pass on a batch with its targets [b, q].
  virtual TrainingOutput training_forward(const torch::Tensor& x, const torch::Tensor& y) = 0;
};

struct ModelBuild {
  std::shared_ptr<MultiLabelModel> model;
  std::string version;
};

using ModelRegistry = Registry<ModelBuild, const Params&, ModelShape>;

void register_models(ModelRegistry& registry);

}  // namespace d2ace
