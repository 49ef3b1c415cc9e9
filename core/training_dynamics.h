// Training dynamics: what the selectors remember about each training instance, updated by one
// vectorised call per batch from the training forward pass (indices, probabilities, losses).
//
//   * prediction window  [N, T, q]  ring buffer of the last T predictions (probabilities, or
//                                   thresholded bits when `store_bits`), with a visit count;
//   * last loss          [N, q]     the newest per-entry loss (stale until the next visit);
//   * flip EMA           [N, q]     f <- a |p_t - p_{t-1}| + (1 - a) f, the change counted 0 on
//                                   the first visit (D2ACE, method.md §3.1);
//   * visits             [N]        how often each instance was in a batch.
// With a window, a running sum over it is kept up to date at every visit, so that rescoring costs
// O(N q) rather than O(N T q): for bit windows the sum of the entries, for probability windows the
// sum of |change| between consecutive entries (an entry leaving the window takes its pair with it).
//
// Indices within one update must be distinct (every batch plan of the suite guarantees it).
// Usage:
//   TrainingDynamics d(N, q, {.window = 5, .track_loss = true, .track_flips = true}, device);
//   d.update(batch_indices, probabilities, losses);     // after each step
//   torch::Tensor u = d.fluctuation();                  // at the end of the epoch
#pragma once

#include <torch/types.h>

namespace d2ace {

struct DynamicsOptions {
  int64_t window = 5;        // T; 0 keeps no window (then no flips either)
  bool store_bits = false;   // keep [p >= bit_threshold] as uint8 instead of probabilities
  double bit_threshold = 0.5;
  bool track_loss = false;
  float initial_loss = 0.0f;  // last loss before the first visit
  bool track_flips = false;
  double flip_alpha = 0.7;
};

class TrainingDynamics {
 public:
  TrainingDynamics() = default;
  TrainingDynamics(int64_t n, int64_t q, DynamicsOptions options, torch::Device device);

  // indices [b] int64 (distinct); probabilities, losses [b, q] (either may be undefined when
  // nothing here uses it: probabilities without a window, losses without loss tracking).
  void update(const torch::Tensor& indices, const torch::Tensor& probabilities, const torch::Tensor& losses);

  const torch::Tensor& visits() const { return visits_; }        // [N] int64
  const torch::Tensor& last_loss() const { return last_loss_; }  // [N, q] float
  const torch::Tensor& flip_ema() const { return flip_; }        // [N, q] float
  const torch::Tensor& window() const { return window_; }        // [N, T, q] ring buffer
  const DynamicsOptions& options() const { return options_; }

  torch::Tensor filled() const;       // [N] entries in the window: min(visits, T)
  torch::Tensor latest() const;       // [N, q] float, the newest entry (0 if never visited)
  // [N, q]: mean |change| between consecutive window entries, oldest to newest (0 with fewer
  // than two entries: the released code's 0/0 NaN on a first visit becomes 0, method.md Q3).
  torch::Tensor fluctuation() const;
  // Bit windows: [N, q] the number of positive entries, and their mean (0 if empty).
  const torch::Tensor& window_sum() const { return window_sum_; }
  torch::Tensor window_mean() const;

 private:
  DynamicsOptions options_;
  torch::Tensor visits_, window_, last_loss_, flip_;
  torch::Tensor window_sum_;  // [N, q] bit windows: running sum of the entries
  torch::Tensor change_sum_;  // [N, q] probability windows: running sum of |change|
};

// Binary entropy in bits, elementwise, with 0 log 0 = 0 (so H(0) = H(1) = 0, never NaN).
torch::Tensor binary_entropy_bits(const torch::Tensor& p);

// The windowed per-entry uncertainty of Zhou et al. (AAAI 2025), reused unchanged by D2ACE
// (method.md §3.1): u = λ fluctuation + (1 - λ) H2(latest prediction), in [0, 1]; λ = 1/2 in
// both. Needs a probability window.
torch::Tensor windowed_uncertainty(const TrainingDynamics& dynamics, double lambda = 0.5);

}  // namespace d2ace
