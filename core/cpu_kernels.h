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

#include <cstddef>
#include <cstdint>

namespace d2ace {

// Asks for the cache lines of [p, p + bytes) ahead of use, up to `max_lines` of them. A selector
// touches a few scattered rows of its state per batch instance; between two batches the model's
// forward and backward passes evict them, so each row is a chain of cache misses unless they are
// all requested first (measured on yeast's observe: 39 µs a batch without, see update_rows).
inline void prefetch_lines(const void* p, size_t bytes, size_t max_lines = 16) {
  const char* c = static_cast<const char*>(p);
  for (size_t off = 0, line = 0; off < bytes && line < max_lines; off += 64, ++line)
    __builtin_prefetch(c + off);
}

}  // namespace d2ace
