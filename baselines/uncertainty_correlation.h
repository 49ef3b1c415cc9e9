// uncertainty-correlation: batch selection guided by uncertainty and dynamic label correlations
// (Zhou, Liu, Wang & Tsoumakas, AAAI 2025, arXiv 2412.16521) -- the "correlation" baseline.
//
// Uncertainty u_ij = ½ mean|Δp| over a window of T = 5 training-pass predictions + ½ H2(latest p)
// (the group's released code, shared with D2ACE). Each epoch, a label-correlation matrix M is the
// mutual information between uncertainty columns (equal-width bins on [0, 1]), diagonal 0, rows
// normalised to sum 1. Score S_i = Σ_j u_ij + Σ_j u_ij Σ_k M_jk u_ik: the uncertainty plus its
// "synergy" across correlated labels, over all labels (relevant or not) -- the global form D2ACE's
// abstract criticises. Distribution: quantised exponential with pressure decaying from s0 at the
// end of warm-up to 1 at the last epoch. RECONSTRUCTED (the paper's body was not readable,
// baselines.md §5.2, method.md §11): the MI estimator and binning, the S1 + S2 form of the score,
// and `mi_labels` -- MI is computed among the `mi_labels` labels of highest mean uncertainty (all
// labels when q is smaller), estimated on `mi_sample` instances (every ceil(N / mi_sample)-th), to
// bound the O(N (bins·K)^2) cost; the other labels keep only their own uncertainty. Defaults:
// window = 5, lambda = 0.5, s0 = 8, warmup = 10, bins = 10, mi_labels = 32, mi_sample = 1024.
#pragma once

#include "core/adaptive_selector.h"

namespace d2ace {

struct UncertaintyCorrelationConfig {
  int64_t window = 5;
  double lambda = 0.5;
  SelectionSchedule schedule{8, 10};  // s0, warmup
  int64_t bins = 10;
  int64_t mi_labels = 32;
  int64_t mi_sample = 1024;
};

// Mutual information (nats) between the columns of U (values in [0, 1]), binned into `bins` equal
// bins: [K, K], diagonal included (= each column's entropy).
// On CPU one counting pass over the label pairs (n K² / 2 increments); the reference builds the
// joint histograms as one one-hot matrix product, and agrees within double rounding (its logs
// and sums differ).
torch::Tensor binned_mutual_information(const torch::Tensor& U, int64_t bins);
torch::Tensor binned_mutual_information_reference(const torch::Tensor& U, int64_t bins);

class UncertaintyCorrelationSelector : public DynamicsSelector {
 public:
  explicit UncertaintyCorrelationSelector(UncertaintyCorrelationConfig c);
  torch::Tensor scores() const;  // [N] S_i

 protected:
  Distribution rescore(int64_t next_epoch) override;

 private:
  UncertaintyCorrelationConfig config_;
};

}  // namespace d2ace
