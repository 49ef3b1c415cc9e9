#include "d2ace/correlation_enhancement.h"

#include <algorithm>

namespace d2ace {

EnhancementIndex EnhancementIndex::of(const torch::Tensor& Z, const RelevantEntries& r, bool global,
                                      int64_t max_pairs) {
  EnhancementIndex e;
  e.global = global;
  if (global) return e;
  torch::Tensor nz = Z.nonzero();  // row-major: context labels of each row, contiguous
  torch::Tensor context = nz.select(1, 1).contiguous();
  torch::Tensor per_row = Z.gt(0).sum(1);
  torch::Tensor ones_per_row = r.row_start.slice(0, 1) - r.row_start.slice(0, 0, -1);
  if (prefer_dense_products(r.n, r.q, (ones_per_row * per_row).sum().item<int64_t>(),
                            max_pairs)) {  // Z Ĉᵀ
    e.Z = Z;
    return e;
  }
  torch::Tensor start = per_row.cumsum(0) - per_row;
  auto [owner, offset] = expand_segments(per_row.index_select(0, r.rows));
  torch::Tensor k =
      context.index_select(0, start.index_select(0, r.rows.index_select(0, owner)) + offset);
  e.owner = owner;
  e.cell = r.cols.index_select(0, owner) * r.q + k;
  return e;
}

torch::Tensor enhancement_at(const torch::Tensor& C_hat, const EnhancementIndex& index,
                             const RelevantEntries& r) {
  if (index.global) return C_hat.sum(1).index_select(0, r.cols);
  if (index.Z.defined()) return at_ones(index.Z.mm(C_hat.t()), r);
  return torch::zeros({r.rows.size(0)}, C_hat.options())
      .index_add_(0, index.owner, C_hat.flatten().index_select(0, index.cell));
}

torch::Tensor enhanced_scores(const torch::Tensor& M, const torch::Tensor& v,
                              const torch::Tensor& s_at, const RelevantEntries& r) {
  torch::Tensor score = M.mv(v);  // S1
  if (s_at.defined()) {
    torch::Tensor s2 = v.index_select(0, r.cols) * at_ones(M, r) * s_at;
    score.index_add_(0, r.rows, s2);
  }
  return score;
}

}  // namespace d2ace
