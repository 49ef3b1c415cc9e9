#include "core/adaptive_selector.h"

#include <ATen/CPUGeneratorImpl.h>

namespace d2ace {

void AdaptiveSelector::attach(const TrainingPool& pool) {
  pool_ = pool;
  generator_ = at::detail::createCPUGenerator(pool.seed);
  pressure_ = schedule_.pressure(pool.epochs);
  on_attach(pool);
  if (schedule_.warmup <= 0) {  // no warm-up: the first epoch already draws from a distribution
    next_ = rescore(0);
  }
}

EpochPlan AdaptiveSelector::plan_epoch(int64_t epoch) {
  current_uniform_ = epoch < schedule_.warmup || !next_.p.defined();
  if (current_uniform_) return warmup_plan(epoch, generator_);
  current_ = next_;
  return draw_independent_batches(current_.p, pool_.batch_size, generator_);
}

EpochPlan AdaptiveSelector::warmup_plan(int64_t, at::Generator& generator) {
  return permutation_plan(pool_.size(), pool_.batch_size, generator);
}

void AdaptiveSelector::end_epoch(int64_t epoch) {
  if (current_uniform_) {
    diagnostics_ = {{"pressure", 1.0}, {"entropy", 1.0}, {"uniform", 1.0}};
  } else {
    diagnostics_ = current_.diagnostics;
    diagnostics_["pressure"] = current_.pressure;
    diagnostics_["entropy"] = normalised_entropy(current_.p);
    diagnostics_["uniform"] = 0.0;
  }
  if (epoch + 1 >= schedule_.warmup) next_ = rescore(epoch + 1);
}

void DynamicsSelector::on_attach(const TrainingPool& pool) {
  dynamics_ = TrainingDynamics(pool.size(), pool.Y.size(1), options_, pool.X.device());
}

}  // namespace d2ace
