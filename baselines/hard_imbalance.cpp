#include "baselines/hard_imbalance.h"

#include <algorithm>
#include <vector>

#include "core/cpu_kernels.h"
#include "core/neighbours.h"
#include "core/timing.h"

namespace d2ace {

torch::Tensor neighbour_disagreement_reference(const torch::Tensor& Y,
                                               const torch::Tensor& neighbours) {
  const int64_t k = neighbours.size(1);
  return (Y.index_select(0, neighbours.flatten()).view({Y.size(0), k, Y.size(1)}) != Y.unsqueeze(1))
      .to(torch::kFloat)
      .mean(1);
}

torch::Tensor neighbour_disagreement(const torch::Tensor& Y_in, const torch::Tensor& nn_in) {
  if (!fusable(torch::kFloat, {Y_in}) || !nn_in.device().is_cpu())
    return neighbour_disagreement_reference(Y_in, nn_in);
  const torch::Tensor Y = Y_in.contiguous(), nn = nn_in.to(torch::kLong).contiguous();
  const int64_t n = Y.size(0), q = Y.size(1), k = nn.size(1);
  const float* y = Y.data_ptr<float>();
  const int64_t* nb = nn.data_ptr<int64_t>();
  torch::Tensor out = torch::zeros({n, q}, Y.options());
  float* d = out.data_ptr<float>();
  std::vector<int32_t> count(q);
  for (int64_t i = 0; i < n; ++i) {
    std::fill(count.begin(), count.end(), 0);
    for (int64_t r = 0; r < k; ++r) {
      const float* other = y + nb[i * k + r] * q;
      for (int64_t j = 0; j < q; ++j) count[j] += other[j] != y[i * q + j] ? 1 : 0;
    }
    // The reference's mean over k: a float sum of k zeros and ones (exact), divided by k.
    for (int64_t j = 0; j < q; ++j)
      d[i * q + j] = static_cast<float>(count[j]) / static_cast<float>(k);
  }
  return out;
}

torch::Tensor imbalance_weights(const torch::Tensor& Y, const torch::Tensor& neighbours) {
  torch::Tensor positives = Y.sum(0);  // [q]
  torch::Tensor has = positives > 0;
  torch::Tensor irl =
      torch::where(has, positives.max() / positives.clamp_min(1), torch::zeros_like(positives));
  torch::Tensor mean_ir = irl.sum() / has.sum().clamp_min(1);
  torch::Tensor minority = irl > mean_ir;  // [q]
  // C_ij: share of neighbours disagreeing on label j, kept for minority labels with y_ij = 1.
  torch::Tensor disagree = neighbour_disagreement(Y, neighbours);
  torch::Tensor C = disagree * Y * minority.unsqueeze(0).to(torch::kFloat);
  torch::Tensor inner = (C > 0) & (C < 1);
  torch::Tensor column = (C * inner).sum(0, /*keepdim=*/true);
  torch::Tensor c_norm = torch::where(inner, C / column.clamp_min(1e-12), torch::zeros_like(C));
  return (irl / mean_ir).unsqueeze(0) * (1 + c_norm);
}

namespace {
DynamicsOptions latest_loss() {
  DynamicsOptions o;
  o.window = 0;
  o.track_loss = true;
  return o;
}
}  // namespace

HardImbalanceSelector::HardImbalanceSelector(HardImbalanceConfig c)
    : DynamicsSelector(c.schedule, latest_loss()), config_(c) {}

void HardImbalanceSelector::on_attach(const TrainingPool& pool) {
  DynamicsSelector::on_attach(pool);
  const auto start = Clock::now();
  torch::Tensor neighbours =
      nearest_neighbours(pool.X, config_.k, /*include_self=*/false).to(pool.X.device());
  neighbour_seconds_ = seconds_since(start);
  weights_ = imbalance_weights(pool.Y, neighbours);
}

AdaptiveSelector::Distribution HardImbalanceSelector::rescore(int64_t next_epoch) {
  torch::Tensor S = (weights_ * dynamics().last_loss()).sum(1);
  const double s = pressure_at(next_epoch);
  return {quantised_exponential_distribution(S, s), s, {{"mean_score", S.mean().item<double>()}}};
}

}  // namespace d2ace
