#include "models/paca.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/init.h>

#include <cmath>

#include "core/error.h"

namespace d2ace {
namespace {

constexpr double kFlowEps = 1e-6;
constexpr double kKlEps = 1e-8;
constexpr double kTiny = 1e-30;

torch::Tensor masked(const torch::nn::Linear& fc, const torch::Tensor& mask,
                     const torch::Tensor& x) {
  return torch::nn::functional::linear(x, fc->weight * mask, fc->bias);
}

}  // namespace

PrototypeFlowImpl::PrototypeFlowImpl(int64_t dims, int64_t cond, int64_t hidden) : dims_(dims) {
  params_per_dim_ = 3 * std::max<int64_t>(1, hidden / dims);
  // MADE degrees: inputs 1..L, hidden units (k mod max(L - 1, 1)) + 1; a hidden unit sees inputs of
  // degree <= its own, an output of input i sees hidden units of degree < i.
  torch::Tensor in_deg = torch::arange(1, dims + 1);
  torch::Tensor hid_deg = torch::arange(hidden).remainder(std::max<int64_t>(dims - 1, 1)) + 1;
  mask_in_ =
      register_buffer("mask_in", (in_deg.unsqueeze(0) <= hid_deg.unsqueeze(1)).to(torch::kFloat));
  mask_out_ = register_buffer(
      "mask_out",
      (hid_deg.unsqueeze(0) < in_deg.unsqueeze(1)).to(torch::kFloat).repeat({params_per_dim_, 1}));
  masked_in_ = register_module("masked_in", torch::nn::Linear(dims, hidden));
  masked_out_ = register_module("masked_out", torch::nn::Linear(hidden, dims * params_per_dim_));
  cond_in_ = register_module("cond_in", torch::nn::Linear(cond, hidden));
  to_sigmoids_ = register_module("to_sigmoids", torch::nn::Linear(params_per_dim_, 3 * kSigmoids));
  a1_ = register_module("a1", torch::nn::Linear(cond, dims));
  a2_ = register_module("a2", torch::nn::Linear(dims, dims));
  a3_ = register_module("a3", torch::nn::Linear(cond, dims));
  b1_ = register_module("b1", torch::nn::Linear(cond, dims));
  b2_ = register_module("b2", torch::nn::Linear(dims, dims));
  b3_ = register_module("b3", torch::nn::Linear(cond, dims));
  torch::NoGradGuard guard;
  cond_in_->bias.zero_();
  // The affine flow starts near the identity: b ~ 0, softplus(a) ~ 1.
  const double half_inverse_softplus_one = 0.5 * std::log(std::exp(1.0) - 1.0);
  for (auto* l : {&a2_, &a3_, &b2_, &b3_}) (*l)->weight.uniform_(-0.001, 0.001);
  a2_->bias.fill_(half_inverse_softplus_one);
  a3_->bias.fill_(half_inverse_softplus_one);
  b2_->bias.zero_();
  b3_->bias.zero_();
}

torch::Tensor PrototypeFlowImpl::log_prob(const torch::Tensor& x_in,
                                          const torch::Tensor& condition) {
  namespace F = torch::nn::functional;
  // CondNAF: autoregressive conditioner -> per-dimension parameters of one sigmoidal layer.
  torch::Tensor h = torch::elu(masked(masked_in_, mask_in_, x_in) + cond_in_(condition));
  torch::Tensor out = masked(masked_out_, mask_out_, h);  // [..., P * L]
  auto shape = out.sizes().vec();
  shape.back() = params_per_dim_;
  shape.push_back(dims_);
  torch::Tensor params = to_sigmoids_(out.view(shape).transpose(-1, -2));  // [..., L, 48]
  torch::Tensor a = F::softplus(params.narrow(-1, 0, kSigmoids));
  torch::Tensor b = params.narrow(-1, kSigmoids, kSigmoids);
  torch::Tensor w_logits = params.narrow(-1, 2 * kSigmoids, kSigmoids);
  torch::Tensor pre = a * x_in.unsqueeze(-1) + b;
  // Float32 guards (no change in the normal range): the mixture can round a hair above 1, and a
  // softplus can underflow to 0; either would put a log of a non-positive number in the graph.
  torch::Tensor mixed =
      (torch::softmax(w_logits, -1) * torch::sigmoid(pre)).sum(-1).clamp(0.0, 1.0);
  torch::Tensor clipped = mixed * (1 - kFlowEps) + 0.5 * kFlowEps;
  torch::Tensor x = (clipped / (1 - clipped)).log();
  torch::Tensor log_det = torch::logsumexp(torch::log_softmax(w_logits, -1) + F::logsigmoid(pre) +
                                               F::logsigmoid(-pre) + a.clamp_min(kTiny).log(),
                                           -1) +
                          std::log(1 - kFlowEps) - clipped.log() - (1 - clipped).log();
  torch::Tensor total_log_det = log_det.sum(-1);
  // CondAF: z = x a(y) + b(y).
  torch::Tensor scale = F::softplus(a2_(torch::relu(a1_(condition))) + a3_(condition));
  torch::Tensor shift = b2_(torch::relu(b1_(condition))) + b3_(condition);
  torch::Tensor z = x * scale + shift;
  total_log_det = total_log_det + scale.clamp_min(kTiny).log().sum(-1);
  return (-0.5 * std::log(2 * M_PI) - 0.5 * z.pow(2)).sum(-1) + total_log_det;
}

PacaImpl::PacaImpl(const ModelShape& shape, PacaOptions options)
    : options_(options), labels_(shape.labels) {
  const int64_t d = shape.features, q = shape.labels, L = (shape.features + 1) / 2;
  encoder_ = register_module("encoder", relu_stack(d, {256, 512, 256}, options.dropout, true));
  mu_ = register_module("mu", torch::nn::Linear(256, L));
  logvar_ = register_module("logvar", torch::nn::Linear(256, L));
  decoder_ = register_module("decoder", relu_stack(L, {256, 512, 256, d}, 0.2, false));
  label_encoder_ =
      register_module("label_encoder", relu_stack(q, {512, 256}, options.dropout, true));
  label_mu_ = register_module("label_mu", torch::nn::Linear(256, L));
  label_logvar_ = register_module("label_logvar", torch::nn::Linear(256, L));
  label_decoder_ = register_module("label_decoder", relu_stack(L, {256, 512}, 0.2, true));
  label_classifier_ = register_module("label_classifier", torch::nn::Linear(512, q));
  label_codes_ = register_buffer("label_codes", torch::eye(q).unsqueeze(0));
  positive_ = register_module("positive", PrototypeFlow(L, q, 256));
  negative_ = register_module("negative", PrototypeFlow(L, q, 256));
  instance_map_ = register_module("instance_map", relu_stack(d + L, {256, 256, L}, 0.2, false));
}

torch::Tensor PacaImpl::prototype_scores(const torch::Tensor& z) {
  torch::Tensor at = z.unsqueeze(1);  // [b, 1, L] against every label's prototypes
  return torch::stack(
      {negative_->log_prob(at, label_codes_), positive_->log_prob(at, label_codes_)}, 1);
}

torch::Tensor PacaImpl::forward(const torch::Tensor& x) {
  torch::Tensor scores = prototype_scores(instance_map_(torch::cat({x, mu_(encoder_(x))}, 1)));
  return scores.select(1, 1) - scores.select(1, 0);
}

TrainingOutput PacaImpl::training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                          const torch::Tensor& weights) {
  namespace F = torch::nn::functional;
  torch::Tensor h = encoder_(x), hy = label_encoder_(y);
  torch::Tensor x_mu = mu_(h), x_logvar = logvar_(h), y_mu = label_mu_(hy),
                y_logvar = label_logvar_(hy);
  torch::Tensor z_x = x_mu, z_y = y_mu;
  if (is_training()) {
    z_x = x_mu + (0.5 * x_logvar).exp() * torch::randn_like(x_mu);
    z_y = y_mu + (0.5 * y_logvar).exp() * torch::randn_like(y_mu);
  }
  torch::Tensor kl = instance_mean(0.5 * (y_logvar - x_logvar - 1 + (x_logvar - y_logvar).exp() +
                                          (y_mu - x_mu).pow(2) / (y_logvar.exp() + kKlEps))
                                             .sum(1),
                                   weights);
  torch::Tensor label_logits = label_classifier_(label_decoder_(z_y));
  torch::Tensor z = instance_map_(torch::cat({x, z_x}, 1));
  torch::Tensor reconstruction = decoder_(z);
  torch::Tensor scores = prototype_scores(z);  // [b, 2, q]
  const double q = static_cast<double>(labels_), b = static_cast<double>(x.size(0));
  torch::Tensor squared = (torch::sigmoid(reconstruction) - x).pow(2);
  torch::Tensor recon =
      weights.defined() ? instance_mean(squared.sum(1), weights) : squared.sum() / b;
  TrainingOutput out;
  out.logits = label_logits;
  out.loss_matrix = bce_loss_matrix(label_logits, y);
  torch::Tensor regulariser =
      kl + instance_mean(out.loss_matrix.sum(1), weights);  // q * multilabel soft margin
  torch::Tensor classification =
      weights.defined()
          ? instance_mean(F::cross_entropy(scores, y.to(torch::kLong),
                                           F::CrossEntropyFuncOptions().reduction(torch::kNone)),
                          weights) *
                q
          : F::cross_entropy(scores, y.to(torch::kLong)) * q;
  out.loss = recon + options_.gamma * regulariser + options_.alpha * classification;
  return out;
}

const ParamTable<PacaOptions>& paca_params() {
  using O = PacaOptions;
  static const auto table =
      ParamTable<O>()
          .field("alpha", &O::alpha, "weight of the prototype classification loss")
          .field("gamma", &O::gamma,
                 "weight of the latent regulariser (KL + label autoencoder loss)")
          .field("dropout", &O::dropout, "dropout in the feature and label encoders");
  return table;
}

std::shared_ptr<MultiLabelModel> make_paca(const Params& p, const ModelShape& shape) {
  const PacaOptions o = paca_params().fill(p);
  check_dropout(o.dropout, "paca");
  if (!(o.alpha >= 0 && o.gamma >= 0))
    throw InputError("paca: alpha and gamma must be non-negative");
  return std::make_shared<PacaImpl>(shape, o);
}

}  // namespace d2ace
