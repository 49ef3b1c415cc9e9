// active-bias: Active Bias, SGD-SPV (Chang, Learned-Miller & McCallum, NeurIPS 2017,
// arXiv 1704.07433), in its multi-label form (baselines.md §3.4).
//
// Per entry, the history of the true-value probability π_ij (p_ij if y_ij = 1, else 1 - p_ij)
// over all training passes, kept as Welford running count / mean / M2 (O(N q) state, not a growing
// list). Confidence-corrected std: std̂ = sqrt(var + var^2 / (n - 1)) for n > 1, else 0 (var the
// population variance). Score s_i = mean_j std̂_ij; distribution p_i ∝ s_i + ε.
// Defaults: eps = 0.02 (the KAIST re-implementation's; the paper's value is not verified here),
// warmup = 10 uniform epochs. The reported "pressure" is max p / min p.
#pragma once

#include "core/adaptive_selector.h"

namespace d2ace {

struct ActiveBiasConfig {
  double eps = 0.02;
  int64_t warmup = 10;
};

class ActiveBiasSelector : public AdaptiveSelector {
 public:
  explicit ActiveBiasSelector(ActiveBiasConfig c) : AdaptiveSelector(c.warmup), config_(c) {}
  // One Welford step per entry of the batch: a fused kernel on CPU (float), else
  // observe_reference, the same arithmetic as tensor operations (bit for bit the same state).
  void observe(const torch::Tensor& idx, const torch::Tensor& p, const torch::Tensor& l) override;
  void observe_reference(const torch::Tensor& idx, const torch::Tensor& p);
  // Confidence-corrected std per entry [N, q] (0 below two observations): one pass over the state
  // on CPU, else corrected_std_reference, the tensor operations (the same values bit for bit).
  torch::Tensor corrected_std() const;
  torch::Tensor corrected_std_reference() const;

 protected:
  void on_attach(const TrainingPool& pool) override;
  Distribution rescore(int64_t next_epoch) override;

 private:
  ActiveBiasConfig config_;
  torch::Tensor state_;       // [N, 1 + 2q]: count | mean | M2, one row per instance (one gather
                              // and one scatter per batch)
  torch::Tensor complement_;  // 1 - Y, so that π = |(1 - y) - p| (exactly y p + (1 - y)(1 - p))
};

}  // namespace d2ace
