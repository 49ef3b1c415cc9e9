// D2ACE's local context-aware correlation enhancement and instance scores (method.md §3.6-3.7):
//   S = Z Ĉᵀ (s_ij: the share of label j's correlation mass on labels present around i);
//   score_i = Σ_j v_j m_ij + Σ_j y_ij v_j m_ij s_ij    ("S1" over all labels + "S2" on relevant
//   ones).
// s_ij is only needed where y_ij = 1, and Z is a fixed 0/1 matrix: s_ij = Σ_{k: z_ik = 1} Ĉ_jk
// sums, for each one of Y, the entries of Ĉ at the (relevant label, context label) pairs of its
// row. Which form is cheaper is chosen once per run, with the rule of the correlation
// (prefer_dense_products): the pairs listed once (EnhancementIndex), an epoch costing
// O(Σ_i |Y_i| |Z_i|) gathers and a scatter-add; or the product Z Ĉᵀ, O(N q²) in BLAS, read at Y's
// ones. With the global context (Z = 1) s_ij = Σ_k Ĉ_jk.
// The ablation `enhancement=off` drops S2.
#pragma once

#include <torch/types.h>

#include "d2ace/relevant_label_correlation.h"

namespace d2ace {

struct EnhancementIndex {
  bool global = false;  // Z = 1
  torch::Tensor Z;      // the context itself, when the pairs are too many to list (owner undefined)
  torch::Tensor owner;  // [P] the one of Y each pair belongs to
  torch::Tensor cell;   // [P] its flat position j q + k in Ĉ
  // `max_pairs`: see prefer_dense_products.
  static EnhancementIndex of(const torch::Tensor& Z, const RelevantEntries& relevant, bool global,
                             int64_t max_pairs = -1);
};

// s_ij = Σ_k z_ik Ĉ_jk at Y's ones, [nnz]. With listed pairs, on CPU (float) one C++ loop in list
// order; enhancement_at_reference (a gather and index_add_, which adds in the same order) gives the
// same values bit for bit.
torch::Tensor enhancement_at(const torch::Tensor& C_hat, const EnhancementIndex& index,
                             const RelevantEntries& relevant);
torch::Tensor enhancement_at_reference(const torch::Tensor& C_hat, const EnhancementIndex& index,
                                       const RelevantEntries& relevant);

// [N] instance scores from metric M [N, q], label weights v [q] and s at Y's ones (undefined: no
// S2).
// On CPU (float) one C++ pass with double sums; enhanced_scores_reference (mv, index_add) agrees
// within float rounding.
torch::Tensor enhanced_scores(const torch::Tensor& M, const torch::Tensor& v,
                              const torch::Tensor& s_at, const RelevantEntries& relevant);
torch::Tensor enhanced_scores_reference(const torch::Tensor& M, const torch::Tensor& v,
                                        const torch::Tensor& s_at, const RelevantEntries& relevant);

}  // namespace d2ace
