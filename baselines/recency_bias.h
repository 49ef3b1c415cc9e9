// recency-bias: Recency Bias (Song, Kim, Kim & Lee, CIKM 2020, arXiv 1911.08050), multi-label
// form of baselines.md §4.4.
//
// Per label, a sliding window of the last `window` predicted labels [p_ij >= 0.5] from the
// training passes; f_ij = their mean; F_ij = H2(f_ij) (binary entropy in bits, δ = log 2).
// Instance score F_i = mean_j F_ij. The entropy is taken over the entries actually seen
// (min(visits, window)), not over a zero-initialised window -- the reference code's buffer counts
// phantom "class 0" predictions for instances seen fewer than `window` times; an instance never
// seen scores F = 1 (the maximum).
// Distribution: quantised exponential (Eq. 5-6), pressure decaying (Eq. 7) from s0 at the end of
// warm-up to 1 at the last epoch, computed for the epoch about to start.
// Defaults: window = 10, s0 = 100, warmup = 10 (must be >= window), as the paper's repository.
#pragma once

#include "core/adaptive_selector.h"

namespace d2ace {

struct RecencyBiasConfig {
  int64_t window = 10;
  SelectionSchedule schedule{100, 10};  // s0, warmup
};

// [(T+1)^2]: H2(c / m) at m (T + 1) + c, 0 <= c <= m <= T (m = 0 counts as 1): f = c / m takes
// few values, so their entropies are looked up instead of computed over [N, q].
torch::Tensor window_entropy_table(int64_t T);

// [N, q] F_ij = H2 of each entry's window mean, from a bit window's running sums and `table`
// (window_entropy_table). On CPU one pass over the sums; window_label_entropy_reference, the
// tensor operations, gives the same values bit for bit.
torch::Tensor window_label_entropy(const TrainingDynamics& dynamics, const torch::Tensor& table);
torch::Tensor window_label_entropy_reference(const TrainingDynamics& dynamics,
                                             const torch::Tensor& table);

class RecencyBiasSelector : public DynamicsSelector {
 public:
  explicit RecencyBiasSelector(RecencyBiasConfig c);
  torch::Tensor uncertainty() const;  // [N] F_i

 protected:
  void on_attach(const TrainingPool& pool) override;
  Distribution rescore(int64_t next_epoch) override;

 private:
  RecencyBiasConfig config_;
  torch::Tensor entropy_table_;  // window_entropy_table(window), on the pool's device
};

}  // namespace d2ace
