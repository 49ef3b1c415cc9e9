#include "baselines/active_bias.h"

namespace d2ace {

void ActiveBiasSelector::on_attach(const TrainingPool& pool) {
  state_ =
      torch::zeros({pool.size(), 1 + 2 * pool.Y.size(1)}, pool.Y.options().dtype(torch::kFloat));
  complement_ = 1 - pool.Y.to(torch::kFloat);
}

void ActiveBiasSelector::observe(const torch::Tensor& idx, const torch::Tensor& p,
                                 const torch::Tensor&) {
  const int64_t q = complement_.size(1);
  torch::Tensor r = state_.index_select(0, idx);
  torch::Tensor truth_prob = (complement_.index_select(0, idx) - p).abs_();  // π
  torch::Tensor count = r.narrow(1, 0, 1) + 1;
  torch::Tensor mean = r.narrow(1, 1, q);
  torch::Tensor delta = truth_prob - mean;
  torch::Tensor new_mean = mean + delta / count;
  torch::Tensor m2 = r.narrow(1, 1 + q, q) + delta * (truth_prob - new_mean);
  put_rows(state_, idx, torch::cat({count, new_mean, m2}, 1));
}

torch::Tensor ActiveBiasSelector::corrected_std() const {
  const int64_t q = complement_.size(1);
  torch::Tensor count = state_.narrow(1, 0, 1);
  torch::Tensor var = state_.narrow(1, 1 + q, q) / count.clamp_min(1);
  // Below two observations M2 is exactly 0, so the result is 0 there without a mask.
  return var.square().div_((count - 1).clamp_min(1)).add_(var).sqrt_();
}

AdaptiveSelector::Distribution ActiveBiasSelector::rescore(int64_t) {
  torch::Tensor score = corrected_std().mean(1);
  torch::Tensor p = proportional_distribution(score.to(torch::kDouble) + config_.eps);
  return {p, (p.max() / p.min()).item<double>(), {{"mean_std", score.mean().item<double>()}}};
}

}  // namespace d2ace
