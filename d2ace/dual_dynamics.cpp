#include "d2ace/dual_dynamics.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "core/cpu_kernels.h"
#include "core/vector_math.h"

namespace d2ace {

namespace {

// h = g(l) (1 - f), in place over e = e^{-l} (released: g = 2 - e) or e = e^{-l} - 1
// (intended: g = -e), rows [begin, end); the exponentials come from one vectorised ATen call, as
// in the reference.
D2ACE_KERNEL void hardness_rows(float* e, const float* flip, int64_t flip_stride, int64_t q,
                                bool released, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    float* __restrict h = e + i * q;
    const float* __restrict f = flip + i * flip_stride;
    if (released)
      for (int64_t j = 0; j < q; ++j) h[j] = (2.0f - h[j]) * (1.0f - f[j]);
    else
      for (int64_t j = 0; j < q; ++j) h[j] = -h[j] * (1.0f - f[j]);
  }
}

// The released form in one pass, a block of rows at a time (kMathBlock entries, or one row): -l
// into the output, e^{-l} over the whole block from SLEEF (core/vector_math.h; the function
// ATen's exp_ calls, so the same values as the two-step path), then g (1 - f) in place.
D2ACE_KERNEL void released_hardness_rows(const float* loss, int64_t loss_stride, const float* flip,
                                         int64_t flip_stride, int64_t q, float* out, int64_t begin,
                                         int64_t end) {
  for_each_row_block(begin, end, rows_for(kMathBlock, q), [&](int64_t first, int64_t last) {
    for (int64_t i = first; i < last; ++i) {
      float* __restrict h = out + i * q;
      const float* __restrict l = loss + i * loss_stride;
      for (int64_t j = 0; j < q; ++j) h[j] = -l[j];
    }
    exp_floats(out + first * q, out + first * q, (last - first) * q);
    hardness_rows(out, flip, flip_stride, q, /*released=*/true, first, last);
  });
}

}  // namespace

torch::Tensor noise_resistant_hardness(const torch::Tensor& last_loss,
                                       const torch::Tensor& flip_ema, HardnessForm form) {
  if (!fusable(torch::kFloat, {last_loss, flip_ema}) || flip_ema.stride(1) != 1)
    return noise_resistant_hardness_reference(last_loss, flip_ema, form);
  const bool released = form == HardnessForm::kReleased;
  const int64_t grain = rows_for(kRowGrain, last_loss.size(1));
  if (released && simd_math_available() && last_loss.stride(1) == 1) {
    const int64_t n = last_loss.size(0), q = last_loss.size(1);
    torch::Tensor h = torch::empty({n, q}, last_loss.options());
    at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
      released_hardness_rows(last_loss.data_ptr<float>(), last_loss.stride(0),
                             flip_ema.data_ptr<float>(), flip_ema.stride(0), q, h.data_ptr<float>(),
                             begin, end);
    });
    return h;
  }
  torch::Tensor e = released ? last_loss.neg().exp_() : last_loss.neg().expm1_();  // contiguous
  const int64_t n = e.size(0), q = e.size(1);
  const float* f = flip_ema.data_ptr<float>();
  float* x = e.data_ptr<float>();
  at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    hardness_rows(x, f, flip_ema.stride(0), q, released, begin, end);
  });
  return e;
}

torch::Tensor noise_resistant_hardness_reference(const torch::Tensor& last_loss,
                                                 const torch::Tensor& flip_ema, HardnessForm form) {
  // In place after the first operation (fewer fresh [N, q] tensors): 2 - e^{-l} or -(e^{-l} - 1).
  torch::Tensor g = form == HardnessForm::kReleased ? last_loss.neg().exp_().neg_().add_(2.0)
                                                    : last_loss.neg().expm1_().neg_();
  return g.mul_(1.0 - flip_ema);
}

}  // namespace d2ace
