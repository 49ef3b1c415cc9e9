// uniform: the control selector -- a fresh random permutation of the pool each epoch, cut into
// ceil(N/b) batches (every instance seen exactly once per epoch). No parameters.
#pragma once

#include <ATen/core/Generator.h>

#include "core/selector.h"

namespace d2ace {

class UniformSelector : public Selector {
 public:
  Observation needs() const override { return Observation::kNothing; }
  void attach(const TrainingPool& pool) override;
  EpochPlan plan_epoch(int64_t epoch) override;

 private:
  int64_t n_ = 0, batch_size_ = 1;
  at::Generator generator_;
};

}  // namespace d2ace
