#include "baselines/active_bias.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "core/cpu_kernels.h"
#include "core/training_dynamics.h"

namespace d2ace {

void ActiveBiasSelector::on_attach(const TrainingPool& pool) {
  state_ =
      torch::zeros({pool.size(), 1 + 2 * pool.Y.size(1)}, pool.Y.options().dtype(torch::kFloat));
  complement_ = 1 - pool.Y.to(torch::kFloat);
}

namespace {

// One instance's step over its q labels (restrict: the mean and M2 blocks never overlap, which
// lets the compiler vectorise).
D2ACE_INLINE void welford_step(const float* __restrict complement, const float* __restrict p,
                               float* __restrict mean, float* __restrict m2, int64_t q,
                               float count) {
  for (int64_t j = 0; j < q; ++j) {
    const float truth = std::fabs(complement[j] - p[j]);
    const float delta = truth - mean[j];
    const float updated = mean[j] + delta / count;
    m2[j] = m2[j] + delta * (truth - updated);
    mean[j] = updated;
  }
}

// Rows batch[begin, end) of the [N, 1 + 2q] state (count | mean | M2), predictions p [b, q].
D2ACE_KERNEL void welford_rows(float* state, const float* complement, const int64_t* batch,
                               const float* p, int64_t q, int64_t begin, int64_t end) {
  for (int64_t k = begin; k < end; ++k) {  // every row first, all cache misses at once
    prefetch_lines(state + batch[k] * (1 + 2 * q), static_cast<size_t>(1 + 2 * q) * sizeof(float));
    prefetch_lines(complement + batch[k] * q, static_cast<size_t>(q) * sizeof(float));
  }
  for (int64_t k = begin; k < end; ++k) {
    float* row = state + batch[k] * (1 + 2 * q);
    const float* c = complement + batch[k] * q;
    const float* pk = p + k * q;
    const float count = row[0] + 1.0f;
    welford_step(c, pk, row + 1, row + 1 + q, q, count);
    row[0] = count;
  }
}

}  // namespace

void ActiveBiasSelector::observe(const torch::Tensor& idx_in, const torch::Tensor& p_in,
                                 const torch::Tensor&) {
  if (!fusable(torch::kFloat, {state_, p_in})) {
    observe_reference(idx_in, p_in);
    return;
  }
  const torch::Tensor idx = idx_in.contiguous(), p = p_in.contiguous();
  const int64_t q = complement_.size(1);
  float* state = state_.data_ptr<float>();
  const float* complement = complement_.data_ptr<float>();
  const int64_t* batch = idx.data_ptr<int64_t>();
  const float* pp = p.data_ptr<float>();
  at::parallel_for(0, idx.size(0), rows_for(32768, 3 * q), [&](int64_t begin, int64_t end) {
    welford_rows(state, complement, batch, pp, q, begin, end);
  });
}

void ActiveBiasSelector::observe_reference(const torch::Tensor& idx, const torch::Tensor& p) {
  const int64_t q = complement_.size(1);
  torch::Tensor r = state_.index_select(0, idx);
  torch::Tensor truth_prob = (complement_.index_select(0, idx) - p).abs_();  // π
  torch::Tensor count = r.narrow(1, 0, 1) + 1;
  torch::Tensor mean = r.narrow(1, 1, q);
  torch::Tensor delta = truth_prob - mean;
  torch::Tensor new_mean = mean + delta / count;
  torch::Tensor m2 = r.narrow(1, 1 + q, q) + delta * (truth_prob - new_mean);
  put_rows(state_, idx, torch::cat({count, new_mean, m2}, 1));
}

namespace {

// std̂ = sqrt(var² / max(n - 1, 1) + var), var = M2 / max(n, 1), for rows [begin, end) of the
// [N, 1 + 2q] state, in the reference's order of operations.
D2ACE_KERNEL void corrected_std_rows(const float* state, int64_t q, float* out, int64_t begin,
                                     int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float* row = state + i * (1 + 2 * q);
    const float count = std::max(row[0], 1.0f), pairs = std::max(row[0] - 1.0f, 1.0f);
    const float* __restrict m2 = row + 1 + q;
    float* __restrict sd = out + i * q;
    for (int64_t j = 0; j < q; ++j) {
      const float var = m2[j] / count;
      sd[j] = std::sqrt(var * var / pairs + var);
    }
  }
}

}  // namespace

torch::Tensor ActiveBiasSelector::corrected_std() const {
  if (!fusable(torch::kFloat, {state_})) return corrected_std_reference();
  const int64_t n = state_.size(0), q = complement_.size(1);
  torch::Tensor sd = torch::empty({n, q}, state_.options());
  const float* state = state_.data_ptr<float>();
  float* out = sd.data_ptr<float>();
  at::parallel_for(0, n, rows_for(kRowGrain, q), [&](int64_t begin, int64_t end) {
    corrected_std_rows(state, q, out, begin, end);
  });
  return sd;
}

torch::Tensor ActiveBiasSelector::corrected_std_reference() const {
  const int64_t q = complement_.size(1);
  torch::Tensor count = state_.narrow(1, 0, 1);
  torch::Tensor var = state_.narrow(1, 1 + q, q) / count.clamp_min(1);
  // Below two observations M2 is exactly 0, so the result is 0 there without a mask.
  return var.square().div_((count - 1).clamp_min(1)).add_(var).sqrt_();
}

AdaptiveSelector::Distribution ActiveBiasSelector::rescore(int64_t) {
  torch::Tensor score = corrected_std().mean(1);
  torch::Tensor p = proportional_distribution(score.to(torch::kDouble) + config_.eps);
  return {p, (p.max() / p.min()).item<double>(), {{"mean_std", score.mean().item<double>()}}};
}

}  // namespace d2ace
