// Training dynamics: what the selectors remember about each training instance, updated by one
// call per batch from the training forward pass (indices, probabilities, losses).
//
//   * prediction window  [N, T, q]  ring buffer of the last T predictions (probabilities, or
//                                   thresholded bits when `store_bits`), with a visit count (the
//                                   fill count is min(visits, T); the newest entry sits in slot
//                                   (visits - 1) mod T);
//   * last loss          [N, q]     the newest per-entry loss (stale until the next visit);
//   * flip EMA           [N, q]     f <- a |p_t - p_{t-1}| + (1 - a) f, the change counted 0 on
//                                   the first visit (D2ACE, method.md §3.1);
//   * visits             [N]        how often each instance was in a batch.
// With a window, a running sum over it is kept up to date at every visit, so that rescoring costs
// O(N q) rather than O(N T q): for bit windows the sum of the entries, for probability windows the
// sum of |change| between consecutive entries (an entry leaving the window takes its pair with it).
//
// Layout, chosen for the per-batch cost: the [N, q] states of an instance are one row of a
// [N, W] tensor, [change sum | flip | last loss] (the blocks in use); a visit touches that row and
// three of the window's T slots (newest, oldest, second oldest; the new entry overwrites the
// oldest). On CPU one fused kernel does a whole batch in place: the rows are prefetched first
// (between two steps the model evicts them), then each instance's q labels run as vectorised
// loops. update_reference does the same with tensor operations (row gathers and scatters), for
// other devices and as the kernel's test oracle. At large q, touching 3 of the T slots rather than
// the whole window is what counts (a window kept in order and shifted by whole rows was tried: up
// to twice as slow at q = 374, where it moves T q values per visit instead of 3 q).
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
  int64_t window = 5;       // T; 0 keeps no window (then no flips either)
  bool store_bits = false;  // keep [p >= bit_threshold] as uint8 instead of probabilities
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
  // On CPU with float inputs a fused kernel (one pass per instance, no temporary tensors); else,
  // and as its reference, update_reference: the same arithmetic as tensor operations. Both give
  // the same state bit for bit (tests/core/test_selection.cpp).
  void update(const torch::Tensor& indices, const torch::Tensor& probabilities,
              const torch::Tensor& losses);
  void update_reference(const torch::Tensor& indices, const torch::Tensor& probabilities,
                        const torch::Tensor& losses);

  const torch::Tensor& visits() const { return visits_; }  // [N] int64
  torch::Tensor last_loss() const;  // [N, q] float, a strided view of the state
  torch::Tensor flip_ema() const;   // [N, q] float, a strided view of the state
  const torch::Tensor& window() const { return window_; }  // [N, T, q] ring buffer
  const DynamicsOptions& options() const { return options_; }
  // The [N, q] running sum of |change| over the window (probability windows): fluctuation()'s
  // numerator, for kernels that read the state directly.
  torch::Tensor change_sum() const { return block(change_); }

  torch::Tensor filled() const;  // [N] entries in the window: min(visits, T)
  torch::Tensor latest() const;  // [N, q] float, the newest entry (0 if never visited)
  // [N, q]: mean |change| between consecutive window entries, oldest to newest (0 with fewer
  // than two entries: the released code's 0/0 NaN on a first visit becomes 0, method.md Q3).
  torch::Tensor fluctuation() const;
  // Bit windows: [N, q] the number of positive entries, and their mean (0 if empty).
  const torch::Tensor& window_sum() const { return window_sum_; }
  torch::Tensor window_mean() const;

 private:
  torch::Tensor block(int64_t offset) const { return rows_.narrow(1, offset * q_, q_); }
  void update_fused(const torch::Tensor& indices, const torch::Tensor& probabilities,
                    const torch::Tensor& losses);

  DynamicsOptions options_;
  int64_t q_ = 0;
  torch::Tensor visits_;
  torch::Tensor window_;  // [N, T, q] float, or uint8 bits
  torch::Tensor
      ring_offsets_;    // [3] int64: T - 1, 0, 1 (newest, oldest, second oldest from visits)
  torch::Tensor rows_;  // [N, W] float: the blocks below, each q wide (undefined: none)
  int64_t change_ = -1, flip_ = -1, loss_ = -1;  // block offsets in rows_
  torch::Tensor window_sum_;                     // [N, q] bit windows: running sum of the entries
};

// dst[idx[k]] = rows[k] for distinct indices: the row scatter of the per-batch updates' tensor
// forms (update_reference, ActiveBiasSelector::observe_reference; index_put_, measured faster
// than index_copy_ on CPU for [b, W] rows).
void put_rows(torch::Tensor& dst, const torch::Tensor& idx, const torch::Tensor& rows);

// Binary entropy in bits, elementwise, with 0 log 0 = 0 (so H(0) = H(1) = 0, never NaN).
torch::Tensor binary_entropy_bits(const torch::Tensor& p);

// The windowed per-entry uncertainty of Zhou et al. (AAAI 2025), reused unchanged by D2ACE
// (method.md §3.1): u = λ fluctuation + (1 - λ) H2(latest prediction), in [0, 1]; λ = 1/2 in
// both. Needs a probability window.
// On CPU one pass over the state, each row's logs from SLEEF (core/vector_math.h), or where that is
// not available two passes around one ATen log_ over a [2, N, q] buffer: the same values either
// way. windowed_uncertainty_reference, the tensor operations, agrees within float rounding
// (tests/core/test_selection.cpp says why).
torch::Tensor windowed_uncertainty(const TrainingDynamics& dynamics, double lambda = 0.5);
torch::Tensor windowed_uncertainty_reference(const TrainingDynamics& dynamics, double lambda = 0.5);

}  // namespace d2ace
