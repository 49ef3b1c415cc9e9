#include "baselines/uncertainty_correlation.h"

#include <ATen/ATen.h>

namespace d2ace {

torch::Tensor binned_mutual_information(const torch::Tensor& U, int64_t bins) {
  const int64_t n = U.size(0), k = U.size(1);
  torch::Tensor bin = (U * static_cast<double>(bins)).floor().clamp(0, bins - 1).to(torch::kLong);
  // One-hot [N, K * bins]: the joint histograms of every label pair in one matrix product.
  torch::Tensor column = bin + torch::arange(k, bin.options()).unsqueeze(0) * bins;
  torch::Tensor onehot = torch::zeros({n, k * bins}, U.options().dtype(torch::kFloat));
  onehot.scatter_(1, column, 1.0f);
  torch::Tensor joint = onehot.t()
                            .mm(onehot)
                            .to(torch::kDouble)
                            .div_(static_cast<double>(n))
                            .view({k, bins, k, bins});
  torch::Tensor marginal = onehot.mean(0).to(torch::kDouble).view({k, bins});
  torch::Tensor h = -at::xlogy(marginal, marginal).sum(1);         // [K]
  torch::Tensor h_joint = -at::xlogy(joint, joint).sum(3).sum(1);  // [K, K]
  return (h.unsqueeze(1) + h.unsqueeze(0) - h_joint).clamp_min(0);
}

namespace {
DynamicsOptions prediction_window(int64_t window) {
  DynamicsOptions o;
  o.window = window;
  return o;
}
}  // namespace

UncertaintyCorrelationSelector::UncertaintyCorrelationSelector(UncertaintyCorrelationConfig c)
    : DynamicsSelector(c.warmup, prediction_window(c.window)), config_(c) {}

void UncertaintyCorrelationSelector::on_attach(const TrainingPool& pool) {
  DynamicsSelector::on_attach(pool);
  pressure_ = SelectionPressure::decaying(config_.s0, config_.warmup, pool.epochs);
}

torch::Tensor UncertaintyCorrelationSelector::scores() const {
  torch::Tensor U = windowed_uncertainty(dynamics(), config_.lambda);
  const int64_t q = U.size(1), k = std::min(q, config_.mi_labels);
  torch::Tensor top =
      k == q ? torch::arange(q, torch::TensorOptions().dtype(torch::kLong).device(U.device()))
             : std::get<0>(std::get<1>(U.mean(0).topk(k)).sort());
  torch::Tensor Uk = U.index_select(1, top);
  const int64_t stride = (U.size(0) + config_.mi_sample - 1) / config_.mi_sample;
  torch::Tensor sample = stride > 1 ? Uk.slice(0, 0, Uk.size(0), stride) : Uk;
  torch::Tensor M = binned_mutual_information(sample, config_.bins).to(torch::kFloat);
  M.fill_diagonal_(0.0);
  torch::Tensor rows = M.sum(1, /*keepdim=*/true);
  M = torch::where(rows > 0, M / rows.clamp_min(1e-12), torch::zeros_like(M));
  torch::Tensor synergy = (Uk.mm(M.t()) * Uk).sum(1);
  return U.sum(1) + synergy;
}

AdaptiveSelector::Distribution UncertaintyCorrelationSelector::rescore(int64_t next_epoch) {
  torch::Tensor S = scores();
  const double s = pressure_.at(next_epoch);
  return {quantised_exponential_distribution(S, s), s, {{"mean_score", S.mean().item<double>()}}};
}

}  // namespace d2ace
