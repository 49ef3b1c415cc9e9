#include "models/mlp.h"

#include "core/error.h"

namespace d2ace {

MlpImpl::MlpImpl(ModelShape shape, std::vector<int64_t> hidden, double dropout) {
  hidden_ = register_module("hidden", torch::nn::ModuleList());
  int64_t width = shape.features;
  for (int64_t h : hidden) {
    hidden_->push_back(torch::nn::Linear(width, h));
    width = h;
  }
  output_ = register_module("output", torch::nn::Linear(width, shape.labels));
  dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x;
  for (const auto& layer : *hidden_)
    h = dropout_(torch::relu(layer->as<torch::nn::Linear>()->forward(h)));
  return output_(h);
}

TrainingOutput MlpImpl::training_forward(const torch::Tensor& x, const torch::Tensor& y) {
  TrainingOutput out;
  out.logits = forward(x);
  out.loss_matrix = bce_loss_matrix(out.logits, y);
  out.loss = out.loss_matrix.mean();
  return out;
}

ParamSpecs mlp_params() {
  return {{"hidden", "256", "hidden layer widths, comma-separated (empty: linear model)"},
          {"dropout", "0.2", "dropout after each hidden layer"}};
}

ModelBuild make_mlp(const Params& p, const ModelShape& shape) {
  return {std::make_shared<MlpImpl>(shape, p.get_int_list("hidden"), dropout_param(p, "mlp")),
          "mlp-1"};
}

}  // namespace d2ace
