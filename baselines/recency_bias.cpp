#include "baselines/recency_bias.h"

namespace d2ace {

namespace {
DynamicsOptions label_window(int64_t window) {
  DynamicsOptions o;
  o.window = window;
  o.store_bits = true;
  return o;
}
}  // namespace

RecencyBiasSelector::RecencyBiasSelector(RecencyBiasConfig c)
    : DynamicsSelector(c.schedule, label_window(c.window)), config_(c) {}

void RecencyBiasSelector::on_attach(const TrainingPool& pool) {
  DynamicsSelector::on_attach(pool);
  // f = c / m takes few values: the entropy of each, looked up instead of computed over [N, q].
  const int64_t T = config_.window;
  torch::Tensor m = torch::arange(T + 1, torch::kFloat).unsqueeze(1).clamp_min(1);
  torch::Tensor c = torch::arange(T + 1, torch::kFloat).unsqueeze(0);
  entropy_table_ = binary_entropy_bits((c / m).clamp_max(1)).flatten().to(pool.X.device());
}

torch::Tensor RecencyBiasSelector::uncertainty() const {
  const int64_t T = config_.window;
  // Table cell m (T + 1) + c of every entry: c (the window sum) and m are small integers, exact
  // in float, so the cell is computed in float and turned into int32 indices (fewer bytes over
  // [N, q] than int64: this is the whole cost of the rescoring).
  torch::Tensor entries =
      dynamics().filled().unsqueeze(1).to(torch::kFloat).mul_(T + 1);  // m (T + 1)
  torch::Tensor cell = dynamics().window_sum().add(entries).to(torch::kInt);
  torch::Tensor F = entropy_table_.index_select(0, cell.flatten()).view(cell.sizes()).mean(1);
  return torch::where(dynamics().visits() > 0, F, torch::ones_like(F));
}

AdaptiveSelector::Distribution RecencyBiasSelector::rescore(int64_t next_epoch) {
  torch::Tensor F = uncertainty();
  const double s = pressure_at(next_epoch);
  return {
      quantised_exponential_distribution(F, s), s, {{"mean_uncertainty", F.mean().item<double>()}}};
}

}  // namespace d2ace
