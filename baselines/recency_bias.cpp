#include "baselines/recency_bias.h"

#include <ATen/Parallel.h>

#include <algorithm>

#include "core/cpu_kernels.h"

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

torch::Tensor window_entropy_table(int64_t T) {
  torch::Tensor m = torch::arange(T + 1, torch::kFloat).unsqueeze(1).clamp_min(1);
  torch::Tensor c = torch::arange(T + 1, torch::kFloat).unsqueeze(0);
  return binary_entropy_bits((c / m).clamp_max(1)).flatten();
}

torch::Tensor window_label_entropy_reference(const TrainingDynamics& dynamics,
                                             const torch::Tensor& table) {
  const int64_t T = dynamics.options().window;
  // Table cell m (T + 1) + c of every entry: c (the window sum) and m are small integers, exact
  // in float, so the cell is computed in float and turned into int32 indices (fewer bytes over
  // [N, q] than int64).
  torch::Tensor entries = dynamics.filled().unsqueeze(1).to(torch::kFloat).mul_(T + 1);
  torch::Tensor cell = dynamics.window_sum().add(entries).to(torch::kInt);
  return table.index_select(0, cell.flatten()).view(cell.sizes());
}

namespace {

// F_ij = table[c_ij + m_i (T + 1)] for rows [begin, end), m_i = min(visits_i, T).
D2ACE_KERNEL void entropy_lookup_rows(const float* sums, const int64_t* visits, const float* table,
                                      int64_t T, int64_t q, float* out, int64_t begin,
                                      int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float base = static_cast<float>(std::min(visits[i], T) * (T + 1));
    const float* __restrict c = sums + i * q;
    float* __restrict f = out + i * q;
    for (int64_t j = 0; j < q; ++j) f[j] = table[static_cast<int32_t>(c[j] + base)];
  }
}

}  // namespace

torch::Tensor window_label_entropy(const TrainingDynamics& dynamics, const torch::Tensor& table) {
  const torch::Tensor& sums = dynamics.window_sum();
  if (!fusable(torch::kFloat, {sums, table}))
    return window_label_entropy_reference(dynamics, table);
  const int64_t n = sums.size(0), q = sums.size(1), T = dynamics.options().window;
  torch::Tensor F = torch::empty({n, q}, sums.options());
  const float* s = sums.data_ptr<float>();
  const int64_t* visits = dynamics.visits().data_ptr<int64_t>();
  const float* t = table.data_ptr<float>();
  float* out = F.data_ptr<float>();
  at::parallel_for(0, n, rows_for(kRowGrain, q), [&](int64_t begin, int64_t end) {
    entropy_lookup_rows(s, visits, t, T, q, out, begin, end);
  });
  return F;
}

void RecencyBiasSelector::on_attach(const TrainingPool& pool) {
  DynamicsSelector::on_attach(pool);
  entropy_table_ = window_entropy_table(config_.window).to(pool.X.device());
}

torch::Tensor RecencyBiasSelector::uncertainty() const {
  torch::Tensor F = window_label_entropy(dynamics(), entropy_table_).mean(1);
  return torch::where(dynamics().visits() > 0, F, torch::ones_like(F));
}

AdaptiveSelector::Distribution RecencyBiasSelector::rescore(int64_t next_epoch) {
  torch::Tensor F = uncertainty();
  const double s = pressure_at(next_epoch);
  return {
      quantised_exponential_distribution(F, s), s, {{"mean_uncertainty", F.mean().item<double>()}}};
}

}  // namespace d2ace
