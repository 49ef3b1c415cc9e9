#include "models/mpvae.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/init.h>

#include <cmath>

#include "core/error.h"

namespace d2ace {
namespace {

constexpr double kEps = 1e-6;

torch::Tensor probit(const torch::Tensor& r) {
  return (0.5 * (1.0 + torch::erf(r * M_SQRT1_2))).clamp(0.5 * kEps, 1.0 - 0.5 * kEps);
}

}  // namespace

MpvaeImpl::MpvaeImpl(const ModelShape& shape, MpvaeOptions options)
    : options_(options), seed_(shape.seed) {
  const int64_t d = shape.features, q = shape.labels;
  const int64_t L = std::max<int64_t>(1, d / 2), r = std::max<int64_t>(16, L);
  label_encoder_ = register_module("label_encoder", relu_stack(d + q, {512, 256}, 0.0, true));
  label_mu_ = register_module("label_mu", torch::nn::Linear(256, L));
  label_logvar_ = register_module("label_logvar", torch::nn::Linear(256, L));
  feature_encoder_ = register_module("feature_encoder", relu_stack(d, {256, 256}, 0.0, true));
  feature_mu_ = register_module("feature_mu", torch::nn::Linear(256, L));
  feature_logvar_ = register_module("feature_logvar", torch::nn::Linear(256, L));
  label_decoder_ = register_module("label_decoder", relu_stack(d + L, {256, 512, q}, 0.0, false));
  feature_decoder_ =
      register_module("feature_decoder", relu_stack(d + L, {256, 512, q}, 0.0, false));
  covariance_root_ =
      register_parameter("covariance_root", torch::empty({q, r}).uniform_(-0.01, 0.01));
  torch::NoGradGuard guard;  // the reference: Xavier-uniform weights, zero biases, everywhere
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* linear = m->as<torch::nn::Linear>()) {
      torch::nn::init::xavier_uniform_(linear->weight);
      linear->bias.zero_();
    }
  }
}

MpvaeImpl::Gaussian MpvaeImpl::encode_features(const torch::Tensor& x) {
  torch::Tensor h = feature_encoder_(x);
  return {feature_mu_(h), feature_logvar_(h)};
}

MpvaeImpl::Gaussian MpvaeImpl::encode_labels(const torch::Tensor& x, const torch::Tensor& y) {
  torch::Tensor h = label_encoder_(torch::cat({x, y}, 1));
  return {label_mu_(h), label_logvar_(h)};
}

torch::Tensor MpvaeImpl::sample(const Gaussian& g) {
  return g.mu + (0.5 * g.logvar).exp() * torch::randn_like(g.mu);
}

torch::Tensor MpvaeImpl::decode(FeedForward& decoder, const torch::Tensor& x,
                                const torch::Tensor& z) {
  return decoder(torch::cat({x, z}, 1));
}

std::pair<torch::Tensor, torch::Tensor> probit_nll_and_ranking(const torch::Tensor& E,
                                                               const torch::Tensor& y,
                                                               const torch::Tensor& weights) {
  torch::Tensor Y = y.unsqueeze(0);
  torch::Tensor logprob = (E.log() * Y + (1 - E).log() * (1 - Y)).sum(2);  // [S, b]
  torch::Tensor top = std::get<0>(logprob.max(0));
  torch::Tensor nll = instance_mean(-((logprob - top).exp().mean(0) + 1e-12).log() - top, weights);
  torch::Tensor positives = y.sum(1), negatives = (1 - y).sum(1);
  torch::Tensor pairs = ((-5 * E).exp() * Y).sum(2) * ((5 * E).exp() * (1 - Y)).sum(2);  // [S, b]
  torch::Tensor rank = pairs / (5.0 * (positives * negatives + 1e-12)).unsqueeze(0);
  rank = torch::where(torch::isfinite(rank), rank, torch::zeros_like(rank));
  return {nll, instance_mean(rank, weights, /*dim=*/1)};
}

TrainingOutput MpvaeImpl::training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                           const torch::Tensor& weights) {
  TrainingOutput out;
  Gaussian label = encode_labels(x, y), feature = encode_features(x);
  if (!is_training()) {  // evaluation-mode rescoring: the label branch at its mean
    out.logits = decode(label_decoder_, x, label.mu);
    out.loss_matrix = bce_loss_matrix(out.logits, y);
    out.loss = instance_mean(out.loss_matrix, weights);
    return out;
  }
  torch::Tensor label_mean = decode(label_decoder_, x, sample(label));
  torch::Tensor feature_mean = decode(feature_decoder_, x, sample(feature));
  torch::Tensor noise =
      torch::randn({options_.train_samples, x.size(0), covariance_root_.size(1)}, x.options());
  torch::Tensor correlated = noise.matmul(covariance_root_.t());  // [S, b, q]
  auto [nll, rank] =
      probit_nll_and_ranking(probit(correlated + label_mean.unsqueeze(0)), y, weights);
  auto [nll_x, rank_x] =
      probit_nll_and_ranking(probit(correlated + feature_mean.unsqueeze(0)), y, weights);
  torch::Tensor kl =
      0.5 * ((feature.logvar - label.logvar) - 1 + (label.logvar - feature.logvar).exp() +
             (feature.mu - label.mu).pow(2) / (feature.logvar.exp() + kEps))
                .sum(1);
  out.logits = label_mean;
  out.loss_matrix = bce_loss_matrix(label_mean, y);
  out.loss = options_.nll_coeff * (nll + nll_x) + options_.rank_coeff * (rank + rank_x) +
             options_.kl_coeff * instance_mean(kl, weights);
  return out;
}

torch::Tensor MpvaeImpl::forward(const torch::Tensor& x) {
  // Prediction draws from the model's own stream, restarted at each call (reproducible).
  at::Generator gen = at::detail::createCPUGenerator(seed_);
  Gaussian feature = encode_features(x);
  auto cpu = torch::TensorOptions().dtype(x.scalar_type());
  torch::Tensor eps = at::randn(feature.mu.sizes(), gen, cpu).to(x.device());
  torch::Tensor mean = decode(feature_decoder_, x, feature.mu + (0.5 * feature.logvar).exp() * eps);
  const int64_t block = 100, r = covariance_root_.size(1);
  torch::Tensor total = torch::zeros_like(mean);
  for (int64_t done = 0; done < options_.test_samples; done += block) {
    const int64_t s = std::min(block, options_.test_samples - done);
    torch::Tensor noise = at::randn({s, x.size(0), r}, gen, cpu).to(x.device());
    total += probit(noise.matmul(covariance_root_.t()) + mean.unsqueeze(0)).sum(0);
  }
  torch::Tensor p = total / static_cast<double>(options_.test_samples);
  return p.log() - (1 - p).log();
}

const ParamTable<MpvaeOptions>& mpvae_params() {
  using O = MpvaeOptions;
  static const auto table =
      ParamTable<O>()
          .field("train_samples", &O::train_samples,
                 "probit noise samples per instance in training")
          .field("test_samples", &O::test_samples,
                 "probit noise samples per instance at prediction")
          .field("nll_coeff", &O::nll_coeff, "weight of the sampled negative log-likelihood")
          .field("rank_coeff", &O::rank_coeff, "weight of the pairwise ranking loss")
          .field("kl_coeff", &O::kl_coeff, "weight of KL(q(z|x,y) || p(z|x))");
  return table;
}

std::shared_ptr<MultiLabelModel> make_mpvae(const Params& p, const ModelShape& shape) {
  const MpvaeOptions o = mpvae_params().fill(p);
  if (o.train_samples < 1 || o.test_samples < 1)
    throw InputError("mpvae: train_samples and test_samples must be at least 1");
  if (!(o.nll_coeff >= 0 && o.rank_coeff >= 0 && o.kl_coeff >= 0))
    throw InputError("mpvae: nll_coeff, rank_coeff and kl_coeff must be non-negative");
  return std::make_shared<MpvaeImpl>(shape, o);
}

}  // namespace d2ace
