// MLP: the simple neural binary-relevance baseline.
//
// features -> [Linear -> ReLU -> Dropout] x len(hidden) -> Linear -> q logits; loss = mean
// per-entry binary cross-entropy with logits. Parameters: hidden (comma-separated widths,
// default "256"), dropout (default 0.2).
#pragma once

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/layers.h"
#include "models/model.h"

namespace d2ace {

struct MlpOptions {
  std::vector<int64_t> hidden{256};
  double dropout = 0.2;
};

class MlpImpl : public MultiLabelModel {
 public:
  MlpImpl(ModelShape shape, const MlpOptions& o);
  torch::Tensor forward(const torch::Tensor& x) override;
  TrainingOutput training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                  const torch::Tensor& weights) override;

 private:
  torch::nn::ModuleList hidden_{nullptr};
  torch::nn::Linear output_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};

TORCH_MODULE(Mlp);

// The parameters, bound to MlpOptions' fields (defaults there), and the factory.
const ParamTable<MlpOptions>& mlp_params();
std::shared_ptr<MultiLabelModel> make_mlp(const Params& p, const ModelShape& shape);

}  // namespace d2ace
