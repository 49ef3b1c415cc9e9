// Elementwise natural log and exp of float arrays, for the fused kernels that need a
// transcendental per entry (the windowed uncertainty's entropy, D2ACE's hardness).
//
// On x86-64 CPUs with AVX2 + FMA they run SLEEF's 8-lane functions with FMA
// (Sleef_finz_logf8_u10avx2, Sleef_finz_expf8_u10avx2): the functions ATen's vectorised CPU
// kernels call for log_ and exp_ on float tensors (SLEEF's "finz" functions give the same value on
// every vector width with FMA, so also where ATen runs its AVX-512 kernels). A kernel that calls
// them therefore gets ATen's values bit for bit, row by row, without a tensor operation and without
// a buffer the size of its input. SIMD lanes are independent, so how an array is cut into vectors
// never changes a value; the tail is padded to a whole vector.
//
// Elsewhere simd_math_available() is false, and the callers keep their other path (ATen's own
// log_/exp_ over a buffer), which is what keeps them equal to ATen there.
#pragma once

#include <cstdint>

namespace d2ace {

// Entries a kernel hands to one log_floats/exp_floats call: a block of rows whose buffer stays in
// L1, long enough that few lanes idle when rows are short (q = 14).
constexpr int64_t kMathBlock = 2048;

// Whether log_floats and exp_floats may be called (x86-64 with AVX2 and FMA, SLEEF linked).
bool simd_math_available();

// out[i] = log(x[i]) / exp(x[i]) for i < n; out may be x. Only when simd_math_available().
void log_floats(const float* x, float* out, int64_t n);
void exp_floats(const float* x, float* out, int64_t n);

}  // namespace d2ace
