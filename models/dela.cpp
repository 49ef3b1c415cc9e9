#include "models/dela.h"

#include <limits>

#include "core/error.h"

namespace d2ace {

DelaImpl::DelaImpl(const ModelShape& shape, DelaOptions options)
    : options_(options), labels_(shape.labels) {
  const int64_t d = shape.features, L = (shape.features + 1) / 2;
  encoder_ = register_module("encoder", relu_stack(d, {256, 512, 256}, options.dropout, true));
  mu_ = register_module("mu", torch::nn::Linear(256, L));
  logvar_ = register_module("logvar", torch::nn::Linear(256, L));
  gate_logits_ =
      register_parameter("gate_logits", torch::empty({shape.labels, L}).uniform_(-10, 10));
  gate_scale_ = register_module("gate_scale", torch::nn::Linear(L, L));
  {
    torch::NoGradGuard guard;
    gate_scale_->bias.fill_(2.0);
  }
  decoder_ = register_module("decoder", relu_stack(d + L, {256, 512}, options.dropout, true));
  classifier_ = register_module("classifier", PerLabelLinear(shape.labels, 512));
}

torch::Tensor DelaImpl::decode(const torch::Tensor& x, const torch::Tensor& codes) {
  torch::Tensor inputs = torch::cat({x.unsqueeze(1).expand({-1, labels_, -1}), codes}, 2);
  return classifier_(decoder_(inputs));
}

torch::Tensor DelaImpl::forward(const torch::Tensor& x) {
  torch::Tensor mu = mu_(encoder_(x));
  return decode(x, mu.unsqueeze(1).expand({-1, labels_, -1}));
}

TrainingOutput DelaImpl::training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                          const torch::Tensor& weights) {
  TrainingOutput out;
  torch::Tensor h = encoder_(x);
  torch::Tensor mu = mu_(h);
  if (!is_training()) {  // evaluation-mode rescoring: no gates, no noise (as predict())
    out.logits = decode(x, mu.unsqueeze(1).expand({-1, labels_, -1}));
    out.loss_matrix = bce_loss_matrix(out.logits, y);
    out.loss = instance_mean(out.loss_matrix.sum(1), weights);
    return out;
  }
  torch::Tensor logvar = logvar_(h);
  // Binary Concrete gates with hard straight-through samples [q, L].
  const double tiny = std::numeric_limits<float>::epsilon();
  torch::Tensor logits = gate_scale_(gate_logits_);
  torch::Tensor u = torch::rand_like(logits).clamp(tiny, 1 - tiny);
  torch::Tensor soft = torch::sigmoid((u.log() - (-u).log1p() + logits) / options_.tau);
  torch::Tensor gates = (soft > 0.5).to(soft.dtype()) + soft - soft.detach();
  torch::Tensor noise = (0.5 * logvar).exp() * torch::randn_like(logvar);           // [b, L]
  torch::Tensor codes = mu.unsqueeze(1) + gates.unsqueeze(0) * noise.unsqueeze(1);  // [b, q, L]
  out.logits = decode(x, codes);
  out.loss_matrix = bce_loss_matrix(out.logits, y);
  torch::Tensor g = gates.unsqueeze(0);
  torch::Tensor kl = -logvar.unsqueeze(1) - 2 * (g + 1e-6).log() - 1 +
                     logvar.unsqueeze(1).exp() * g.pow(2) + mu.unsqueeze(1).pow(2);
  out.loss = instance_mean(out.loss_matrix.sum(1), weights) +
             options_.beta * instance_mean(0.5 * kl.sum(2), weights);
  return out;
}

std::vector<ParameterGroup> DelaImpl::parameter_groups() {
  ParameterGroup main, gates;
  gates.lr_scale = options_.lr_ratio;
  gates.parameters = {gate_logits_};
  for (const auto& p : gate_scale_->parameters()) gates.parameters.push_back(p);
  for (const auto& item : named_parameters()) {
    const std::string& name = item.key();
    if (name == "gate_logits" || name.rfind("gate_scale.", 0) == 0) continue;
    main.parameters.push_back(item.value());
  }
  return {main, gates};
}

const ParamTable<DelaOptions>& dela_params() {
  using O = DelaOptions;
  static const auto table =
      ParamTable<O>()
          .field("tau", &O::tau, "temperature of the binary Concrete gates")
          .field("beta", &O::beta, "weight of the KL term")
          .field("lr_ratio", &O::lr_ratio, "learning-rate ratio of the gate parameters")
          .field("dropout", &O::dropout, "dropout in the encoder and decoder");
  return table;
}

std::shared_ptr<MultiLabelModel> make_dela(const Params& p, const ModelShape& shape) {
  const DelaOptions o = dela_params().fill(p);
  check_dropout(o.dropout, "dela");
  if (!(o.tau > 0)) throw InputError("dela: tau must be positive");
  if (!(o.beta >= 0)) throw InputError("dela: beta must be non-negative");
  if (!(o.lr_ratio > 0)) throw InputError("dela: lr_ratio must be positive");
  return std::make_shared<DelaImpl>(shape, o);
}

}  // namespace d2ace
