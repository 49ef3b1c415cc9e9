// DELA: Hang & Zhang, "Dual Perspective of Label-Specific Feature Learning for Multi-Label
// Classification", ICML 2022; as the released D2ACE code builds it (method.md §7.3).
//
// Encoder x -> 256 -> 512 -> 256 (ReLU, dropout 0.2) with heads mu and log-variance over a latent
// code of ceil(d/2) dimensions. Each label j has binary-Concrete gates g_j over the latent
// dimensions (logits: a learnt [q, L] matrix, uniform in [-10, 10], through a Linear(L, L) whose
// bias starts at 2; temperature 2/3, hard straight-through samples): in training the code seen by
// label j is mu + g_j * sigma * eps (one eps per instance, shared by the labels), so a gate that
// opens marks a dimension as non-informative for that label; at evaluation the code is mu. The
// decoder [x, code_j] -> 256 -> 512 (ReLU, dropout 0.2) and one linear classifier per label give
// the logits.
// Loss: q * multilabel soft margin (= per-instance sum of the per-label BCE, batch mean)
//       + beta * KL, KL = mean over (b, j) of 0.5 sum_l (-logvar - 2 log(g + 1e-6) - 1
//       + exp(logvar) g^2 + mu^2). The loss matrix is the per-entry BCE.
// The gate parameters train at lr_ratio (0.8) times the learning rate.
// Parameters: tau (2/3), beta (1e-4), lr_ratio (0.8), dropout (0.2).
// Recipe under --protocol backbone-papers (bench/protocols.cpp, from DELA's main.py defaults): Adam
// 1e-3, weight decay 1e-4, batch 128, 200 epochs, no schedule, beta 1, dropout 0.
#pragma once

#include "models/layers.h"
#include "models/model.h"

namespace d2ace {

struct DelaOptions {
  double tau = 2.0 / 3.0;
  double beta = 1e-4;
  double lr_ratio = 0.8;
  double dropout = 0.2;
};

class DelaImpl : public MultiLabelModel {
 public:
  DelaImpl(const ModelShape& shape, DelaOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;
  TrainingOutput training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                  const torch::Tensor& weights) override;
  std::vector<ParameterGroup> parameter_groups() override;

 private:
  torch::Tensor decode(const torch::Tensor& x, const torch::Tensor& codes);  // codes [b, q, L]

  DelaOptions options_;
  int64_t labels_ = 0;
  FeedForward encoder_{nullptr}, decoder_{nullptr};
  torch::nn::Linear mu_{nullptr}, logvar_{nullptr}, gate_scale_{nullptr};
  torch::Tensor gate_logits_;
  PerLabelLinear classifier_{nullptr};
};
TORCH_MODULE(Dela);

// The parameters, bound to DelaOptions's fields (defaults there), and the factory.
const ParamTable<DelaOptions>& dela_params();
std::shared_ptr<MultiLabelModel> make_dela(const Params& p, const ModelShape& shape);

}  // namespace d2ace
