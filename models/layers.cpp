#include "models/layers.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/init.h>

#include <cmath>
#include <vector>

#include "core/error.h"

namespace d2ace {

FeedForwardImpl::FeedForwardImpl(FeedForwardOptions options) : options_(std::move(options)) {
  std::vector<int64_t> widths = options_.hidden;
  widths.push_back(options_.out);
  int64_t in = options_.in;
  for (size_t i = 0; i < widths.size(); ++i) {
    Layer layer;
    layer.linear = register_module("linear" + std::to_string(i), torch::nn::Linear(in, widths[i]));
    const bool hidden_layer = i + 1 < widths.size();
    layer.activation = hidden_layer || options_.output_activation;
    if (layer.activation && options_.batch_norm)
      layer.norm = register_module("norm" + std::to_string(i), torch::nn::BatchNorm1d(widths[i]));
    layer.dropout = layer.activation && options_.dropout > 0 && !options_.hidden.empty();
    layers_.push_back(layer);
    in = widths[i];
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(options_.dropout));
  reset_parameters();
}

void FeedForwardImpl::reset_parameters() {
  torch::NoGradGuard guard;
  for (auto& layer : layers_) {
    if (options_.activation == Activation::kLeakyRelu)
      torch::nn::init::kaiming_uniform_(layer.linear->weight, options_.slope, torch::kFanIn,
                                        torch::kLeakyReLU);
    else
      torch::nn::init::kaiming_uniform_(layer.linear->weight, 0.0, torch::kFanIn, torch::kReLU);
    layer.linear->bias.uniform_(0.0, 0.1);
    if (layer.norm) layer.norm->reset_parameters();
  }
}

torch::Tensor FeedForwardImpl::activate(const torch::Tensor& x) const {
  return options_.activation == Activation::kLeakyRelu ? torch::leaky_relu(x, options_.slope)
                                                       : torch::relu(x);
}

torch::Tensor FeedForwardImpl::forward(torch::Tensor x) {
  for (auto& layer : layers_) {
    x = layer.linear(x);
    if (!layer.activation) continue;
    if (layer.norm) {  // BatchNorm1d normalises the last dimension's channels over all other rows
      auto shape = x.sizes().vec();
      x = layer.norm(x.reshape({-1, shape.back()})).reshape(shape);
    }
    x = activate(x);
    if (layer.dropout) x = dropout_(x);
  }
  return x;
}

FeedForward relu_stack(int64_t in, std::vector<int64_t> widths, double dropout,
                       bool output_activation) {
  FeedForwardOptions o;
  o.in = in;
  o.out = widths.back();
  widths.pop_back();
  o.hidden = widths;
  o.dropout = dropout;
  o.output_activation = output_activation;
  return FeedForward(o);
}

PerLabelLinearImpl::PerLabelLinearImpl(int64_t labels, int64_t width) {
  weight_ = register_parameter("weight", torch::empty({labels, width}));
  bias_ = register_parameter("bias", torch::empty({labels}));
  reset_parameters();
}

void PerLabelLinearImpl::reset_parameters() {
  // Conv1d's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = width (one input channel).
  torch::NoGradGuard guard;
  const double bound = 1.0 / std::sqrt(static_cast<double>(weight_.size(1)));
  weight_.uniform_(-bound, bound);
  bias_.uniform_(-bound, bound);
}

torch::Tensor PerLabelLinearImpl::forward(const torch::Tensor& h) {
  return (h * weight_).sum(-1) + bias_;
}

void check_dropout(double dropout, const std::string& model) {
  if (dropout < 0 || dropout >= 1) throw InputError(model + ": dropout must be in [0, 1)");
}

torch::Tensor bce_loss_matrix(const torch::Tensor& logits, const torch::Tensor& targets) {
  namespace F = torch::nn::functional;
  return F::binary_cross_entropy_with_logits(
      logits, targets, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone));
}

TrainingOutput bce_training_output(const torch::Tensor& logits, const torch::Tensor& targets,
                                   const torch::Tensor& weights) {
  TrainingOutput out;
  out.logits = logits;
  out.loss_matrix = bce_loss_matrix(logits, targets);
  out.loss = instance_mean(out.loss_matrix, weights);
  return out;
}

torch::Tensor instance_mean(const torch::Tensor& x, const torch::Tensor& weights, int64_t dim) {
  if (!weights.defined()) return x.mean();
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[static_cast<size_t>(dim)] = weights.size(0);
  return (x * weights.view(shape)).mean();
}

}  // namespace d2ace
