// d2ace: D2ACE, Multi-Label Batch Selection Guided by Dual Dynamics and Adaptive Correlation
// Enhancement (Liu, Peng, Wei, Zhang & Tsoumakas, IJCAI-ECAI 2026, arXiv 2605.09400), as its
// authors released it (iunanyou/D2ACE; method.md §2-6).
//
// Each training pass updates, per entry, a 5-prediction window, the newest BCE and the flip EMA.
// At the end of each epoch: uncertainty U and noise-resistant hardness H (dual_dynamics.h), label
// weights v per metric (label_weights.h), relevant-label correlations Ĉ
// (relevant_label_correlation.h), the local-context enhancement and the two instance scores
// (correlation_enhancement.h), two quantised exponential distributions mixed by β
// (stagewise_mixture.h). The first 10 epochs are warm-up (no selection); the label context Z comes
// from a k = 6 (+ self) kNN search, once per run.
//
// Defaults follow the released code, except that no NaN ever reaches the sampler (Q3: entropy at
// p ∈ {0, 1} is 0, a first visit's fluctuation 0). Released vs intended behaviour (method.md §6):
//   hardness=released|intended    Q2: g(l) = 2 - e^{-l} (released) or 1 - e^{-l}
//   warmup_order=fixed|shuffled   Q7: one fixed order for all warm-up epochs (released)
//   lag=released|none             Q6: β and s of the previous epoch (released) or of this one
//   (Q1, the released "best" checkpoint that is really the last: --checkpoint last in the trainer)
// Ablations: label_weights=off (v = 1), beta=1 (uncertainty only), beta=0 (hardness only),
// beta=<b> (fixed β), context=global (Z = 1), mask=all (no relevant-label mask),
// enhancement=off (S2 = 0).
#pragma once

#include "core/adaptive_selector.h"
#include "d2ace/correlation_enhancement.h"
#include "d2ace/dual_dynamics.h"
#include "d2ace/relevant_label_correlation.h"
#include "d2ace/stagewise_mixture.h"

namespace d2ace {

struct D2aceConfig {
  int64_t window = 5;
  double alpha = 0.7;                 // flip EMA
  int64_t k = 6;                      // neighbours besides the instance itself
  SelectionSchedule schedule{8, 10};  // s0, warmup
  StagewiseSchedule mixture;          // β and the lag
  HardnessForm hardness = HardnessForm::kReleased;
  bool fixed_warmup_order = true;
  bool label_weights = true;
  bool local_context = true;
  bool relevant_mask = true;
  bool enhancement = true;
};

// What one rescoring computed, for tests and diagnostics.
struct D2aceScores {
  torch::Tensor U, H, vU, vH, CU, CH, sU, sH, scoreU, scoreH, pU, pH, P;
  double beta = 0, pressure = 1;
};

class D2aceSelector : public DynamicsSelector {
 public:
  explicit D2aceSelector(D2aceConfig c);
  double neighbour_search_seconds() const override { return neighbour_seconds_; }

  // The whole end-of-epoch computation for the draws of `epoch`.
  D2aceScores compute(int64_t epoch) const;
  const torch::Tensor& label_context() const { return Z_; }

 protected:
  void on_attach(const TrainingPool& pool) override;
  EpochPlan warmup_plan(int64_t epoch, at::Generator& generator) override;
  Distribution rescore(int64_t next_epoch) override;

 private:
  D2aceConfig config_;
  RelevantEntries relevant_;
  torch::Tensor Z_;
  EnhancementIndex enhancement_;
  EpochPlan warmup_order_;
  double neighbour_seconds_ = 0;
};

}  // namespace d2ace
