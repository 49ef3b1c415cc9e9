// online-batch: Online Batch Selection (Loshchilov & Hutter, ICLR 2016 workshop, arXiv 1511.06343).
//
// Score: the instance's latest loss, l_i = sum_j BCE_ij (unseen instances rank first: 1e10).
// Distribution: rank-based exponential, p ∝ exp(-ln(s_e) r_i / N), r_i = 1 for the largest loss.
// Pressure: whole run s_e = s0 (s_end/s0)^(e/E) (the original script), or `schedule=decaying`
// (s0 from the end of warm-up to 1 at the last epoch, the KAIST re-implementation).
// Refresh: `train-pass` keeps the losses of the training forward passes (stale for instances not
// drawn); `full` re-scores all N instances in eval mode after every epoch (an extra forward pass,
// counted as selection time).
// Defaults: s0 = 100, s_end = 1, schedule = whole-run, warmup = 1 (one uniform epoch, as the
// script's sequential first epoch), refresh = train-pass.
#pragma once

#include "core/adaptive_selector.h"

namespace d2ace {

struct OnlineBatchConfig {
  SelectionSchedule schedule{100, 1};  // s0, warmup; decaying only with `decaying`
  double s_end = 1;
  bool decaying = false;
  bool full_refresh = false;
};

class OnlineBatchSelector : public DynamicsSelector {
 public:
  explicit OnlineBatchSelector(OnlineBatchConfig c);
  Observation needs() const override { return Observation::kLosses; }
  bool wants_pool_predictions(int64_t) const override { return config_.full_refresh; }
  void observe_pool(const torch::Tensor& p, const torch::Tensor& l) override;

 protected:
  void on_attach(const TrainingPool& pool) override;
  Distribution rescore(int64_t next_epoch) override;

 private:
  OnlineBatchConfig config_;
};

}  // namespace d2ace
