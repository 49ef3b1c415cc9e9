// hard-imbalance: hard and imbalanced samples first, after Zhou, Liu, Wang & Tsoumakas,
// "Multi-Label Adaptive Batch Selection by Highlighting Hard and Imbalanced Samples"
// (ECML PKDD 2024, arXiv 2403.18192). An imbalance-weighted loss selector, not a verified
// reproduction.
//
// Global imbalance: IRLbl_j = max_k n_k / n_j (n_j positives of label j), MeanIR its mean over
// labels with positives; minority labels have IRLbl_j > MeanIR. Local imbalance (MLSOL style): for
// a minority label with y_ij = 1, C_ij = share of the k = 5 nearest neighbours (Euclidean, self
// excluded) whose y_rj differs; c̃_ij = C_ij / Σ_{i': 0<C_i'j<1} C_i'j when 0 < C_ij < 1, else 0.
// Weights w_ij = (IRLbl_j / MeanIR) (1 + c̃_ij) (labels without positives: 0), fixed for the run.
// Score S_i = Σ_j w_ij l_ij with l the latest training-pass BCE. Distribution: quantised
// exponential, pressure decaying from s0 at the end of warm-up to 1 at the last epoch.
// RECONSTRUCTED (baselines.md §5.1, method.md §10): IRLbl, MeanIR and C are the group's helper
// functions; how the paper combines them into w_ij, and s0, are not recovered.
// Defaults: k = 5, s0 = 8, warmup = 10.
#pragma once

#include "core/adaptive_selector.h"

namespace d2ace {

struct HardImbalanceConfig {
  int64_t k = 5;
  SelectionSchedule schedule{8, 10};  // s0, warmup
};

// The weights w_ij above, [N, q], from the labels and the k nearest neighbours ([N, k], self
// excluded) of each instance. On CPU two passes over the rows (the neighbour comparisons, N k q,
// with C_ij written once; then the weights in place, around ATen's column sum of C_ij): one fresh
// [N, q] tensor instead of about ten, whose first-touch page faults were most of the selector's
// set-up at corel5k's size. imbalance_weights_reference, the tensor operations, gives the same
// values bit for bit.
torch::Tensor imbalance_weights(const torch::Tensor& Y, const torch::Tensor& neighbours);
torch::Tensor imbalance_weights_reference(const torch::Tensor& Y, const torch::Tensor& neighbours);

class HardImbalanceSelector : public DynamicsSelector {
 public:
  explicit HardImbalanceSelector(HardImbalanceConfig c);
  Observation needs() const override { return Observation::kLosses; }
  double neighbour_search_seconds() const override { return neighbour_seconds_; }

 protected:
  void on_attach(const TrainingPool& pool) override;
  Distribution rescore(int64_t next_epoch) override;

 private:
  HardImbalanceConfig config_;
  double neighbour_seconds_ = 0;
  torch::Tensor weights_;
};

}  // namespace d2ace
