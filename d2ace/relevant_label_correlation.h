// D2ACE's relevant-label correlation (method.md §3.5): each metric masked by the ground truth so
// that only relevant (positive) labels contribute, column cosine similarity between labels with
// ε = 1e-8 added to each column norm, then rows normalised:
//   C_jk = <M̃_:j, M̃_:k> / ((|M̃_:j| + ε)(|M̃_:k| + ε)),  Ĉ_jk = C_jk / (Σ_k' C_jk' + ε),  M̃ = M ⊙ Y.
// Recomputed every epoch. The ablation `mask=all` uses M̃ = M (all labels, relevant or not).
// With the mask, the Gram matrix M̃ᵀM̃ only has terms m_ij m_ik for pairs of ones (j, k) in the
// same row of Y: those pairs are listed once per run, and each epoch costs O(Σ_i |Y_i|²) -- for
// corel5k about 60 000 products instead of the dense 2 N q² = 0.9 GFLOP. Without the mask it is a
// dense product, O(N q²).
#pragma once

#include <torch/types.h>

namespace d2ace {

constexpr double kCosineEps = 1e-8;

// For every entry of `lengths` (int64 [m]), `lengths[e]` consecutive slots: the owner e of each
// slot and its offset 0..lengths[e]-1 ([P] each, P = sum of lengths). The vectorised form of
// "for e, for o < lengths[e]".
std::pair<torch::Tensor, torch::Tensor> expand_segments(const torch::Tensor& lengths);

// The positions of Y's ones (row-major), fixed for a run, and the pairs of ones sharing a row.
struct RelevantEntries {
  torch::Tensor rows, cols;      // [nnz] int64
  torch::Tensor row_start;       // [N + 1]: ones of row i are entries row_start[i] .. row_start[i+1]-1
  torch::Tensor pair_a, pair_b;  // [Σ_i |Y_i|²] entry indices of every ordered pair within a row
  int64_t n = 0, q = 0;
  static RelevantEntries of(const torch::Tensor& Y);
};

// Ĉ [q, q] from metric M [N, q]; `relevant` null: no mask.
torch::Tensor relevant_label_correlation(const torch::Tensor& M, const RelevantEntries* relevant);

}  // namespace d2ace
