#include "baselines/active_bias.h"

namespace d2ace {

void ActiveBiasSelector::on_attach(const TrainingPool& pool) {
  auto f = torch::TensorOptions().dtype(torch::kFloat).device(pool.X.device());
  count_ = torch::zeros({pool.size(), 1}, f);
  mean_ = torch::zeros({pool.size(), pool.Y.size(1)}, f);
  m2_ = torch::zeros_like(mean_);
}

void ActiveBiasSelector::observe(const torch::Tensor& idx, const torch::Tensor& p, const torch::Tensor&) {
  torch::Tensor y = pool().Y.index_select(0, idx);
  torch::Tensor truth_prob = y * p + (1 - y) * (1 - p);  // π
  torch::Tensor count = count_.index_select(0, idx) + 1;
  torch::Tensor mean = mean_.index_select(0, idx);
  torch::Tensor delta = truth_prob - mean;
  torch::Tensor new_mean = mean + delta / count;
  m2_.index_copy_(0, idx, m2_.index_select(0, idx) + delta * (truth_prob - new_mean));
  mean_.index_copy_(0, idx, new_mean);
  count_.index_copy_(0, idx, count);
}

torch::Tensor ActiveBiasSelector::corrected_std() const {
  torch::Tensor var = m2_ / count_.clamp_min(1);
  torch::Tensor correction = var * var / (count_ - 1).clamp_min(1);
  return torch::where(count_ > 1, (var + correction).sqrt(), torch::zeros_like(var));
}

AdaptiveSelector::Distribution ActiveBiasSelector::rescore(int64_t) {
  torch::Tensor score = corrected_std().mean(1);
  torch::Tensor p = proportional_distribution(score.to(torch::kDouble) + config_.eps);
  return {p, (p.max() / p.min()).item<double>(), {{"mean_std", score.mean().item<double>()}}};
}

}  // namespace d2ace
