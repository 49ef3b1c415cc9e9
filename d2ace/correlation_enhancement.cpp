#include "d2ace/correlation_enhancement.h"

#include <algorithm>

#include "core/cpu_kernels.h"

namespace d2ace {

namespace {

// s[owner_p] += c[cell_p] for every pair p, in order.
D2ACE_KERNEL void gather_add(const float* c, const int64_t* cell, const int64_t* owner,
                             int64_t pairs, float* s) {
  for (int64_t p = 0; p < pairs; ++p) s[owner[p]] += c[cell[p]];
}

// S1 = M v: each row's dot product in double (dot_in_double), rows [0, n).
D2ACE_KERNEL void row_dots(const float* m, const float* w, int64_t n, int64_t q, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(dot_in_double(m + i * q, w, q));
}

}  // namespace

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

torch::Tensor enhancement_at_reference(const torch::Tensor& C_hat, const EnhancementIndex& index,
                                       const RelevantEntries& r) {
  if (index.global) return C_hat.sum(1).index_select(0, r.cols);
  if (index.Z.defined()) return at_ones(index.Z.mm(C_hat.t()), r);
  return torch::zeros({r.rows.size(0)}, C_hat.options())
      .index_add_(0, index.owner, C_hat.flatten().index_select(0, index.cell));
}

torch::Tensor enhancement_at(const torch::Tensor& C_in, const EnhancementIndex& index,
                             const RelevantEntries& r) {
  if (index.global || index.Z.defined() || !fusable(torch::kFloat, {C_in}) ||
      !fusable(torch::kLong, {index.owner}))
    return enhancement_at_reference(C_in, index, r);
  const torch::Tensor C_hat = C_in.contiguous();
  torch::Tensor s = torch::zeros({r.rows.size(0)}, C_hat.options());
  gather_add(C_hat.data_ptr<float>(), index.cell.data_ptr<int64_t>(),
             index.owner.data_ptr<int64_t>(), index.owner.size(0), s.data_ptr<float>());
  return s;
}

torch::Tensor enhanced_scores(const torch::Tensor& M_in, const torch::Tensor& v_in,
                              const torch::Tensor& s_in, const RelevantEntries& r) {
  if (!fusable(torch::kFloat, {M_in, v_in, s_in}))
    return enhanced_scores_reference(M_in, v_in, s_in, r);
  const torch::Tensor M = M_in.contiguous(), v = v_in.contiguous();
  const int64_t n = M.size(0), q = M.size(1);
  const float* m = M.data_ptr<float>();
  const float* w = v.data_ptr<float>();
  torch::Tensor score = torch::empty({n}, M.options());
  float* out = score.data_ptr<float>();
  row_dots(m, w, n, q, out);  // S1 = M v
  if (s_in.defined()) {       // S2 at Y's ones, row by row (the ones are in row-major order)
    const torch::Tensor s_at = s_in.contiguous();
    const float* s = s_at.data_ptr<float>();
    const int64_t* start = r.row_start.data_ptr<int64_t>();
    const int64_t* cols = r.cols.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      double s2 = 0;
      for (int64_t e = start[i]; e < start[i + 1]; ++e)
        s2 += static_cast<double>(w[cols[e]]) * m[i * q + cols[e]] * s[e];
      out[i] = static_cast<float>(out[i] + s2);
    }
  }
  return score;
}

torch::Tensor enhanced_scores_reference(const torch::Tensor& M, const torch::Tensor& v,
                                        const torch::Tensor& s_at, const RelevantEntries& r) {
  torch::Tensor score = M.mv(v);  // S1
  if (s_at.defined()) {
    torch::Tensor s2 = v.index_select(0, r.cols) * at_ones(M, r) * s_at;
    score.index_add_(0, r.rows, s2);
  }
  return score;
}

}  // namespace d2ace
