// Sampling distributions over the training pool and batch drawing, shared by every adaptive
// selector (baselines.md §0, method.md §3.8 and §3.10).
//
// Distributions are computed in double precision and in log space; whatever the scores, the result
// is finite, strictly positive and sums to 1. Scores are first sanitised: NaN counts as the least
// important value, +inf as the most important finite one, -inf as the least (the reference code
// instead falls back to uniform when a NaN appears; we never let a NaN reach the sampler).
//
//   rank_exponential:      p_i ∝ exp(-ln(s) r_i / N), r_i = rank of score i, 1 = highest
//                          (Online Batch, Loshchilov & Hutter 2016);
//   quantised_exponential: p_i ∝ exp(-ln(s) k_i / N), k_i = clip(ceil((1 - ŝ_i) N), 1, N),
//                          ŝ = min-max normalised score (Recency Bias, Zhou et al., D2ACE);
//   proportional:          p_i ∝ w_i (Active Bias' (std + ε)).
// With pressure s = 1, or all scores equal, every one of them is uniform.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include "core/selector.h"

namespace d2ace {

torch::Tensor sanitize_scores(const torch::Tensor& scores);  // double [N], all finite

// Scores to a distribution: on CPU one C++ pass over the scores (the rank form adds a stable
// sort), without the ~30 small tensor operations of the *_reference forms, which stay for other
// devices. Both agree to within double rounding (exp and sums taken in another order:
// tests/core/test_selection.cpp checks 1e-12 relative).
torch::Tensor rank_exponential_distribution(const torch::Tensor& scores, double pressure);
torch::Tensor quantised_exponential_distribution(const torch::Tensor& scores, double pressure);
torch::Tensor proportional_distribution(const torch::Tensor& weights);  // weights >= 0
torch::Tensor uniform_distribution(int64_t n);
torch::Tensor rank_exponential_distribution_reference(const torch::Tensor& scores, double pressure);
torch::Tensor quantised_exponential_distribution_reference(const torch::Tensor& scores,
                                                           double pressure);
torch::Tensor proportional_distribution_reference(const torch::Tensor& weights);

// Shannon entropy of p divided by ln N: 1 for uniform, toward 0 as p concentrates.
double normalised_entropy(const torch::Tensor& p);
double normalised_entropy_reference(const torch::Tensor& p);

// ceil(N / batch_size) independent batches (the last one N - (nb - 1) b long), each drawn from p
// without replacement inside the batch -- so with replacement across batches (the KAIST and D2ACE
// scheme). Each batch is the first b distinct values of its own i.i.d. stream from p, which is
// exactly sequential sampling without replacement (numpy's choice(replace=False, p)). All streams
// are drawn at once, as the rows of one [batches, b + b/4] matrix deduplicated by a row-wise sort,
// and extended only when a row holds fewer than b distinct values: O(N log N + M log b) for
// M ≈ 1.25 N draws, never O(batches x N). Rows still short after 16 extensions (extreme
// pressure) finish with an exact draw from the mass not yet taken.
// The draws are at::rand's (so the same generator gives the same plan on any build); the search
// and the deduplication run as one C++ loop per row on CPU. draw_independent_batches_reference is
// the same scheme in tensor operations (searchsorted, a stable row sort): it gives the same plan,
// index for index (tests/core/test_selection.cpp).
EpochPlan draw_independent_batches(const torch::Tensor& p, int64_t batch_size,
                                   at::Generator& generator);
EpochPlan draw_independent_batches_reference(const torch::Tensor& p, int64_t batch_size,
                                             at::Generator& generator);

}  // namespace d2ace
