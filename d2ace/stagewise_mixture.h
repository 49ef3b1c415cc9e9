// D2ACE's stage-wise Bernoulli mixture, the "metric-level dynamics" (method.md §3.8-3.9):
//   β_e = β_start + (β_end - β_start) (clip(e, from, to) - from) / (to - from)   (0.7 -> 0.3, 10 ->
//   70) s_e = 8 before e0 = 10, then decaying to 1 at the last epoch (core/selection_pressure.h) P
//   = β_e p^U + (1 - β_e) p^H, p^U, p^H the quantised exponential distributions of the two instance
//   scores under the same s_e.
// The released code builds P at the end of epoch e with β_e and s_e and draws epoch e + 1 from it
// (method.md Q6): `lag=released` (the default) reproduces that; `lag=none` uses β and s of the
// epoch being drawn. `beta=<value>` fixes β (ablations: 1 = uncertainty only, 0 = hardness only).
#pragma once

#include <torch/types.h>

#include <optional>

namespace d2ace {

struct StagewiseSchedule {
  double beta_start = 0.7, beta_end = 0.3;
  int64_t beta_from = 10, beta_to = 70;
  std::optional<double> fixed_beta;
  bool released_lag = true;

  // The epoch whose β and s govern the draws of `epoch` (epoch - 1 with the released lag).
  int64_t schedule_epoch(int64_t epoch) const { return released_lag ? epoch - 1 : epoch; }
  double beta(int64_t e) const;
};

torch::Tensor bernoulli_mixture(const torch::Tensor& pU, const torch::Tensor& pH, double beta);

}  // namespace d2ace
