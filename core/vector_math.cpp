#include "core/vector_math.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
// This file alone is compiled with -mavx2 -mfma (core/CMakeLists.txt), which sleef.h needs to
// declare its __m256 functions; nothing here runs before simd_math_available() said yes.
#include <immintrin.h>
#include <sleef.h>

#include <algorithm>

namespace d2ace {

namespace {

template <class F>
void apply(F f, const float* x, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, f(_mm256_loadu_ps(x + i)));
  if (i < n) {  // the tail, padded with 1 (finite under both functions)
    alignas(32) float lane[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    std::copy(x + i, x + n, lane);
    _mm256_store_ps(lane, f(_mm256_load_ps(lane)));
    std::copy(lane, lane + (n - i), out + i);
  }
}

}  // namespace

bool simd_math_available() {
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
}

void log_floats(const float* x, float* out, int64_t n) {
  apply([](__m256 v) { return Sleef_finz_logf8_u10avx2(v); }, x, out, n);
}

void exp_floats(const float* x, float* out, int64_t n) {
  apply([](__m256 v) { return Sleef_finz_expf8_u10avx2(v); }, x, out, n);
}

}  // namespace d2ace

#else

#include <stdexcept>

namespace d2ace {

bool simd_math_available() { return false; }
void log_floats(const float*, float*, int64_t) {
  throw std::logic_error("log_floats: no SIMD math on this build");
}
void exp_floats(const float*, float*, int64_t) {
  throw std::logic_error("exp_floats: no SIMD math on this build");
}

}  // namespace d2ace

#endif
