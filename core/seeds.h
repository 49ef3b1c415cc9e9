// Seed derivation per axis (design.md, Reproducibility).
//
// A run has one base seed; every random stream gets its own seed derived from the base seed and
// the names of the axes it may depend on. The split depends on (dataset, seed), the model's
// initial weights on (dataset, fold, seed) -- never on the selector, so every selector starts from
// the same weights on the same data -- and each selector gets its own stream.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace d2ace {

// SplitMix64 finaliser: a cheap, well-mixed 64-bit hash step.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Derives a seed from the base seed and a list of axis names/values, e.g.
// derive_seed(55, {"model", "yeast", "fold=2"}). Stable across platforms and builds. The result
// fits in 63 bits, so it is also a valid non-negative int64 seed.
inline uint64_t derive_seed(uint64_t base, std::initializer_list<std::string_view> axes) {
  uint64_t h = mix64(base);
  for (std::string_view axis : axes) {
    for (unsigned char c : axis) h = mix64(h ^ c);
    h = mix64(h ^ 0xffULL);  // separator: {"ab","c"} != {"a","bc"}
  }
  return h >> 1;
}

}  // namespace d2ace
