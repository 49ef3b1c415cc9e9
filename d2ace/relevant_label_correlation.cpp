#include "d2ace/relevant_label_correlation.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/cpu_kernels.h"

namespace d2ace {

std::pair<torch::Tensor, torch::Tensor> expand_segments(const torch::Tensor& lengths) {
  torch::Tensor owner =
      torch::repeat_interleave(torch::arange(lengths.size(0), lengths.options()), lengths);
  torch::Tensor start = lengths.cumsum(0) - lengths;
  torch::Tensor offset =
      torch::arange(owner.size(0), lengths.options()) - start.index_select(0, owner);
  return {owner, offset};
}

bool prefer_dense_products(int64_t n, int64_t q, int64_t pairs, int64_t max_pairs) {
  if (max_pairs >= 0) return pairs > max_pairs;
  return pairs > std::max(n * q, kMinDenseSwitch) || n * q * q <= kPairCostInMultiplyAdds * pairs;
}

torch::Tensor at_ones(const torch::Tensor& M, const RelevantEntries& r) {
  return M.reshape(-1).index_select(0, r.flat);
}

RelevantEntries RelevantEntries::of(const torch::Tensor& Y, int64_t max_pairs) {
  RelevantEntries r;
  torch::Tensor nz = Y.nonzero();  // row-major order
  r.rows = nz.select(1, 0).contiguous();
  r.cols = nz.select(1, 1).contiguous();
  r.n = Y.size(0);
  r.q = Y.size(1);
  r.flat = r.rows * r.q + r.cols;
  torch::Tensor per_row = Y.gt(0).sum(1);
  r.row_start = torch::cat({torch::zeros({1}, per_row.options()), per_row.cumsum(0)});
  if (prefer_dense_products(r.n, r.q, per_row.pow(2).sum().item<int64_t>(), max_pairs)) {
    r.mask = Y.gt(0).to(Y.scalar_type());
    return r;
  }
  auto [a, offset] = expand_segments(per_row.index_select(0, r.rows));
  r.pair_a = a;
  r.pair_b = r.row_start.index_select(0, r.rows.index_select(0, a)) + offset;
  r.pair_cell = r.cols.index_select(0, r.pair_a) * r.q + r.cols.index_select(0, r.pair_b);
  return r;
}

torch::Tensor relevant_label_correlation(const torch::Tensor& M, const RelevantEntries* relevant) {
  torch::Tensor gram;
  if (relevant && relevant->mask.defined()) {
    torch::Tensor masked = M * relevant->mask;
    gram = masked.t().mm(masked);
  } else if (relevant) {
    gram = pair_gram(M, *relevant);
  } else {
    gram = M.t().mm(M);
  }
  return cosine_rows(gram);
}

torch::Tensor pair_gram_reference(const torch::Tensor& M, const RelevantEntries& r) {
  torch::Tensor values = at_ones(M, r);
  torch::Tensor products = values.index_select(0, r.pair_a) * values.index_select(0, r.pair_b);
  return torch::zeros({r.q * r.q}, M.options())
      .index_add_(0, r.pair_cell, products)
      .view({r.q, r.q});
}

namespace {

// gram[cell_p] += m[flat[a_p]] m[flat[b_p]] for every pair p, in order.
D2ACE_KERNEL void pair_gram_kernel(const float* m, const int64_t* flat, const int64_t* a,
                                   const int64_t* b, const int64_t* cell, int64_t pairs,
                                   float* gram) {
  for (int64_t p = 0; p < pairs; ++p) gram[cell[p]] += m[flat[a[p]]] * m[flat[b[p]]];
}

}  // namespace

torch::Tensor pair_gram(const torch::Tensor& M_in, const RelevantEntries& r) {
  if (!fusable(torch::kFloat, {M_in}) || !fusable(torch::kLong, {r.flat, r.pair_a}))
    return pair_gram_reference(M_in, r);
  const torch::Tensor M = M_in.contiguous();
  torch::Tensor gram = torch::zeros({r.q, r.q}, M.options());
  pair_gram_kernel(M.data_ptr<float>(), r.flat.data_ptr<int64_t>(), r.pair_a.data_ptr<int64_t>(),
                   r.pair_b.data_ptr<int64_t>(), r.pair_cell.data_ptr<int64_t>(), r.pair_a.size(0),
                   gram.data_ptr<float>());
  return gram;
}

namespace {

// C = gram / (norm_j norm_k), each row then divided by its sum (in double, in order) + eps. The
// divisions run as a vectorised pass over the row before the sum (same values, same order).
D2ACE_KERNEL void cosine_rows_kernel(const float* g, const float* norm, int64_t q, float* c) {
  for (int64_t j = 0; j < q; ++j) {
    const float* __restrict gj = g + j * q;
    const float* __restrict nk = norm;
    float* __restrict cj = c + j * q;
    const float nj = norm[j];
    for (int64_t k = 0; k < q; ++k) cj[k] = gj[k] / nj / nk[k];
    double row = 0;
    for (int64_t k = 0; k < q; ++k) row += cj[k];
    const float total = static_cast<float>(row) + static_cast<float>(kCosineEps);
    for (int64_t k = 0; k < q; ++k) cj[k] /= total;
  }
}

}  // namespace

torch::Tensor cosine_rows(const torch::Tensor& gram_in) {
  if (!fusable(torch::kFloat, {gram_in})) return cosine_rows_reference(gram_in);
  const torch::Tensor gram = gram_in.contiguous();
  const int64_t q = gram.size(0);
  const float* g = gram.data_ptr<float>();
  std::vector<float> norm(q);
  for (int64_t j = 0; j < q; ++j)
    norm[j] = std::sqrt(std::max(g[j * q + j], 0.0f)) + static_cast<float>(kCosineEps);
  torch::Tensor C = torch::empty({q, q}, gram.options());
  cosine_rows_kernel(g, norm.data(), q, C.data_ptr<float>());
  return C;
}

torch::Tensor cosine_rows_reference(const torch::Tensor& gram) {
  torch::Tensor norm = gram.diagonal().clamp_min(0).sqrt() + kCosineEps;
  torch::Tensor C = gram / norm.unsqueeze(1) / norm.unsqueeze(0);
  return C / (C.sum(1, /*keepdim=*/true) + kCosineEps);
}

}  // namespace d2ace
