#include "models/mlp.h"

#include "core/error.h"

namespace d2ace {

MlpImpl::MlpImpl(ModelShape shape, const MlpOptions& o) {
  hidden_ = register_module("hidden", torch::nn::ModuleList());
  int64_t width = shape.features;
  for (int64_t h : o.hidden) {
    hidden_->push_back(torch::nn::Linear(width, h));
    width = h;
  }
  output_ = register_module("output", torch::nn::Linear(width, shape.labels));
  dropout_ = register_module("dropout", torch::nn::Dropout(o.dropout));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x;
  for (const auto& layer : *hidden_)
    h = dropout_(torch::relu(layer->as<torch::nn::Linear>()->forward(h)));
  return output_(h);
}

TrainingOutput MlpImpl::training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                         const torch::Tensor& weights) {
  return bce_training_output(forward(x), y, weights);
}

const ParamTable<MlpOptions>& mlp_params() {
  static const auto table =
      ParamTable<MlpOptions>()
          .field("hidden", &MlpOptions::hidden,
                 "hidden layer widths, comma-separated (empty: linear model)")
          .field("dropout", &MlpOptions::dropout, "dropout after each hidden layer");
  return table;
}

std::shared_ptr<MultiLabelModel> make_mlp(const Params& p, const ModelShape& shape) {
  const MlpOptions o = mlp_params().fill(p);
  check_dropout(o.dropout, "mlp");
  return std::make_shared<MlpImpl>(shape, o);
}

}  // namespace d2ace
