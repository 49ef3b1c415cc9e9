// D2ACE's relevant-label correlation (method.md §3.5): each metric masked by the ground truth so
// that only relevant (positive) labels contribute, column cosine similarity between labels with
// ε = 1e-8 added to each column norm, then rows normalised:
//   C_jk = <M̃_:j, M̃_:k> / ((|M̃_:j| + ε)(|M̃_:k| + ε)),  Ĉ_jk = C_jk / (Σ_k' C_jk' + ε),  M̃ = M ⊙ Y.
// Recomputed every epoch. The ablation `mask=all` uses M̃ = M (all labels, relevant or not).
// The Gram matrix M̃ᵀM̃ is computed from Y's non-zero entries only (a sparse product, O(nnz q)),
// as Y is sparse on the large-q datasets; without the mask it is a dense product, O(N q²).
#pragma once

#include <torch/types.h>

namespace d2ace {

constexpr double kCosineEps = 1e-8;

// The positions of Y's ones, fixed for a run.
struct RelevantEntries {
  torch::Tensor rows, cols;  // [nnz] int64
  int64_t n = 0, q = 0;
  static RelevantEntries of(const torch::Tensor& Y);
};

// Ĉ [q, q] from metric M [N, q]; `relevant` null: no mask.
torch::Tensor relevant_label_correlation(const torch::Tensor& M, const RelevantEntries* relevant);

}  // namespace d2ace
