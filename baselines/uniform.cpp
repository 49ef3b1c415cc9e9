#include "baselines/uniform.h"

#include <ATen/CPUGeneratorImpl.h>

namespace d2ace {

void UniformSelector::attach(const TrainingPool& pool) {
  n_ = pool.size();
  batch_size_ = pool.batch_size;
  generator_ = at::detail::createCPUGenerator(pool.seed);
}

EpochPlan UniformSelector::plan_epoch(int64_t) {
  return permutation_plan(n_, batch_size_, generator_);
}

}  // namespace d2ace
