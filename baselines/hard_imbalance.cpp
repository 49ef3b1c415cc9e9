#include "baselines/hard_imbalance.h"

#include "core/neighbours.h"
#include "core/timing.h"

namespace d2ace {

torch::Tensor imbalance_weights(const torch::Tensor& Y, const torch::Tensor& neighbours) {
  const int64_t k = neighbours.size(1);
  torch::Tensor positives = Y.sum(0);  // [q]
  torch::Tensor has = positives > 0;
  torch::Tensor irl =
      torch::where(has, positives.max() / positives.clamp_min(1), torch::zeros_like(positives));
  torch::Tensor mean_ir = irl.sum() / has.sum().clamp_min(1);
  torch::Tensor minority = irl > mean_ir;  // [q]
  // C_ij: share of neighbours disagreeing on label j, kept for minority labels with y_ij = 1.
  torch::Tensor disagree =
      (Y.index_select(0, neighbours.flatten()).view({Y.size(0), k, Y.size(1)}) != Y.unsqueeze(1))
          .to(torch::kFloat)
          .mean(1);
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
    : DynamicsSelector(c.warmup, latest_loss()), config_(c) {}

void HardImbalanceSelector::on_attach(const TrainingPool& pool) {
  DynamicsSelector::on_attach(pool);
  const auto start = Clock::now();
  torch::Tensor neighbours =
      nearest_neighbours(pool.X, config_.k, /*include_self=*/false).to(pool.X.device());
  neighbour_seconds_ = seconds_since(start);
  weights_ = imbalance_weights(pool.Y, neighbours);
  pressure_ = SelectionPressure::decaying(config_.s0, config_.warmup, pool.epochs);
}

AdaptiveSelector::Distribution HardImbalanceSelector::rescore(int64_t next_epoch) {
  torch::Tensor S = (weights_ * dynamics().last_loss()).sum(1);
  const double s = pressure_.at(next_epoch);
  return {quantised_exponential_distribution(S, s), s, {{"mean_score", S.mean().item<double>()}}};
}

}  // namespace d2ace
