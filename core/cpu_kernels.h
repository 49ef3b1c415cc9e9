// Conventions of the fused CPU kernels (design.md "hot paths"): each replaces a chain of small
// tensor operations on a selector's hot path with one loop over contiguous memory, and the chain
// stays as the reference (used on other devices; a test checks that both agree).
//
// ATen's own CPU kernels round a*b + c as one fused multiply-add where the CPU has FMA (its AVX2
// and AVX-512 kernels). So that a kernel agrees with its reference bit for bit, the kernel bodies
// are compiled twice, for x86-64-v3 (AVX2 + FMA) and for the baseline, and write every a*b + c the
// reference computes as an FMA with std::fma, and nothing else as one (the build passes
// -ffp-contract=off, so the compiler never fuses a*b + c on its own); the loader picks the clone
// the CPU runs.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define D2ACE_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define D2ACE_KERNEL
#endif
// A kernel's inner loop, inlined into each clone of the kernel that calls it.
#define D2ACE_INLINE __attribute__((always_inline)) inline

#include <torch/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace d2ace {

// Whether a fused kernel may run: every defined tensor of `tensors` lives on the CPU as `type`
// (undefined ones, optional inputs, pass). Otherwise the kernel's tensor-operation reference runs.
inline bool fusable(torch::ScalarType type, std::initializer_list<torch::Tensor> tensors) {
  for (const torch::Tensor& t : tensors)
    if (t.defined() && (!t.device().is_cpu() || t.scalar_type() != type)) return false;
  return true;
}

// Entries per task of a kernel's at::parallel_for over rows: pools below it stay on one thread.
constexpr int64_t kRowGrain = 16384;

// How many rows of `width` entries make about `entries` (at least one): a parallel grain
// (rows_for(kRowGrain, q)) or a block that fits a buffer.
inline int64_t rows_for(int64_t entries, int64_t width) {
  return std::max<int64_t>(1, entries / std::max<int64_t>(1, width));
}

// Rows [begin, end) in blocks of `rows`: f(first, last) for each block, in order.
template <class F>
D2ACE_INLINE void for_each_row_block(int64_t begin, int64_t end, int64_t rows, const F& f) {
  for (int64_t first = begin; first < end; first += rows) f(first, std::min(end, first + rows));
}

// Asks for the cache lines of [p, p + bytes) ahead of use, up to `max_lines` of them. A selector
// touches a few scattered rows of its state per batch instance; between two batches the model's
// forward and backward passes evict them, so each row is a chain of cache misses unless they are
// all requested first (measured on yeast's observe: 39 µs a batch without, see update_rows).
inline void prefetch_lines(const void* p, size_t bytes, size_t max_lines = 16) {
  const char* c = static_cast<const char*>(p);
  for (size_t off = 0, line = 0; off < bytes && line < max_lines; off += 64, ++line)
    __builtin_prefetch(c + off);
}

// sum_t a[t] b[t] over n floats, in double, with four running sums (one vector register; a single
// chain of dependent additions would cost n additions' latency), combined as (s0 + s1) + (s2 + s3).
D2ACE_INLINE double dot_in_double(const float* a, const float* b, int64_t n) {
  double part[4] = {0, 0, 0, 0};
  int64_t t = 0;
  for (; t + 4 <= n; t += 4)
    for (int u = 0; u < 4; ++u)
      part[u] += static_cast<double>(a[t + u]) * static_cast<double>(b[t + u]);
  for (; t < n; ++t) part[0] += static_cast<double>(a[t]) * static_cast<double>(b[t]);
  return (part[0] + part[1]) + (part[2] + part[3]);
}

}  // namespace d2ace
