#include "core/selector.h"

#include <ATen/ATen.h>

namespace d2ace {

EpochPlan permutation_plan(int64_t n, int64_t batch_size, at::Generator& generator) {
  TORCH_CHECK(batch_size > 0, "batch size must be positive");
  return batches_of(at::randperm(n, generator, torch::TensorOptions().dtype(torch::kLong)),
                    batch_size);
}

EpochPlan batches_of(const torch::Tensor& order, int64_t batch_size) {
  TORCH_CHECK(batch_size > 0, "batch size must be positive");
  const int64_t n = order.size(0);
  EpochPlan plan;
  for (int64_t start = 0; start < n; start += batch_size)
    plan.batches.push_back(order.slice(0, start, std::min(n, start + batch_size)));
  return plan;
}

}  // namespace d2ace
