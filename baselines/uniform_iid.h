// uniform-iid: the control for sampling with replacement. Every epoch, ceil(N/b) independent
// batches drawn uniformly (no duplicates inside a batch) through the same drawing code as the
// adaptive selectors -- i.e. selection pressure 1 -- so that comparing it with `uniform` separates
// the effect of drawing with replacement across batches from the effect of prioritisation
// (baselines.md §1). No parameters.
#pragma once

#include "core/adaptive_selector.h"

namespace d2ace {

class UniformIidSelector : public AdaptiveSelector {
 public:
  UniformIidSelector() : AdaptiveSelector(/*warmup=*/0) {}
  Observation needs() const override { return Observation::kNothing; }

 protected:
  Distribution rescore(int64_t) override { return {uniform_distribution(pool().size()), 1.0, {}}; }
};

}  // namespace d2ace
