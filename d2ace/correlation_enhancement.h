// D2ACE's local context-aware correlation enhancement and instance scores (method.md §3.6-3.7):
//   S = Z Ĉᵀ (s_ij: the share of label j's correlation mass on labels present around i);
//   score_i = Σ_j v_j m_ij + Σ_j y_ij v_j m_ij s_ij    ("S1" over all labels + "S2" on relevant ones).
// s_ij is only needed where y_ij = 1, so it is computed there alone: O(nnz(Y) q) instead of the
// O(N q²) of the full product. The ablation `enhancement=off` drops S2.
#pragma once

#include <torch/types.h>

#include "d2ace/relevant_label_correlation.h"

namespace d2ace {

// s_ij = Σ_k z_ik Ĉ_jk at Y's ones, [nnz].
torch::Tensor enhancement_at(const torch::Tensor& Z, const torch::Tensor& C_hat, const RelevantEntries& relevant);

// [N] instance scores from metric M [N, q], label weights v [q] and s at Y's ones (undefined: no S2).
torch::Tensor enhanced_scores(const torch::Tensor& M, const torch::Tensor& v, const torch::Tensor& s_at,
                              const RelevantEntries& relevant);

}  // namespace d2ace
