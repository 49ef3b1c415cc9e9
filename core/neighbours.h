// Exact Euclidean k-nearest-neighbour search, in blocks of rows through matrix products: never an
// N x N matrix in memory (a block is at most `block_bytes` of distances). Ties are broken by the
// lower index, so results are deterministic; with `include_self` an instance is its own first
// neighbour (distance 0), otherwise it is excluded. Used by the local label context of D2ACE
// (k = 6 plus self) and the local imbalance of hard-imbalance (k = 5 without self).
//
// Distances come from |a|^2 + |b|^2 - 2 a.b in double precision.
#pragma once

#include <torch/types.h>

namespace d2ace {

// [N, k] int64 indices (k + 1 columns with include_self), nearest first.
torch::Tensor nearest_neighbours(const torch::Tensor& X, int64_t k, bool include_self,
                                 int64_t block_bytes = 64 << 20);

}  // namespace d2ace
