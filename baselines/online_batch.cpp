#include "baselines/online_batch.h"

namespace d2ace {

namespace {
DynamicsOptions latest_loss_only() {
  DynamicsOptions o;
  o.window = 0;
  o.track_loss = true;
  o.initial_loss = 1e10f;  // unseen instances rank first
  return o;
}
}  // namespace

OnlineBatchSelector::OnlineBatchSelector(OnlineBatchConfig c)
    : DynamicsSelector(c.schedule, latest_loss_only()), config_(c) {}

void OnlineBatchSelector::on_attach(const TrainingPool& pool) {
  DynamicsSelector::on_attach(pool);
  if (!config_.decaying)
    set_pressure(SelectionPressure::whole_run(config_.schedule.s0, config_.s_end, pool.epochs));
}

void OnlineBatchSelector::observe_pool(const torch::Tensor& p, const torch::Tensor& l) {
  observe(torch::arange(p.size(0), torch::TensorOptions().dtype(torch::kLong).device(p.device())),
          p, l);
}

AdaptiveSelector::Distribution OnlineBatchSelector::rescore(int64_t next_epoch) {
  torch::Tensor loss = dynamics().last_loss().sum(1);
  const double s = pressure_at(next_epoch);
  return {rank_exponential_distribution(loss, s), s, {}};
}

}  // namespace d2ace
