// D2ACE's dual dynamics (method.md §3.1-3.2): two per-entry metrics from the training passes.
//
//   uncertainty  u_ij = ½ mean|Δp| over the last T = 5 predictions + ½ H2(latest p)
//                (core/training_dynamics.h: windowed_uncertainty, shared with Zhou et al. 2025);
//   noise-resistant hardness  h_ij = g(l_ij) (1 - f_ij), with l the newest per-entry BCE and f the
//                EMA (α = 0.7) of |p_t - p_{t-1}|: the loss is trusted less where the prediction
//                keeps moving.
//   g, `hardness=released` (the default, method.md Q2): 1 - expm1(-l) = 2 - e^{-l}, in [1, 2) --
//                almost certainly meant as -expm1(-l);
//   g, `hardness=intended`: 1 - e^{-l}, in [0, 1).
#pragma once

#include <torch/types.h>

#include <string>

namespace d2ace {

enum class HardnessForm { kReleased, kIntended };

// [N, q] from the newest losses and the flip EMA: on CPU (float inputs, any row stride) one pass,
// the released form's exponentials from SLEEF (core/vector_math.h), or one ATen exponential and one
// pass; noise_resistant_hardness_reference, the tensor operations, gives the same values bit for
// bit.
torch::Tensor noise_resistant_hardness(const torch::Tensor& last_loss,
                                       const torch::Tensor& flip_ema, HardnessForm form);
torch::Tensor noise_resistant_hardness_reference(const torch::Tensor& last_loss,
                                                 const torch::Tensor& flip_ema, HardnessForm form);

}  // namespace d2ace
