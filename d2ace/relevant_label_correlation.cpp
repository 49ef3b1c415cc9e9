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
    const RelevantEntries& r = *relevant;
    torch::Tensor values = at_ones(M, r);
    torch::Tensor products = values.index_select(0, r.pair_a) * values.index_select(0, r.pair_b);
    gram = torch::zeros({r.q * r.q}, M.options())
               .index_add_(0, r.pair_cell, products)
               .view({r.q, r.q});
  } else {
    gram = M.t().mm(M);
  }
  return cosine_rows(gram);
}

torch::Tensor cosine_rows(const torch::Tensor& gram_in) {
  if (!fusable(torch::kFloat, {gram_in})) return cosine_rows_reference(gram_in);
  const torch::Tensor gram = gram_in.contiguous();
  const int64_t q = gram.size(0);
  const float* g = gram.data_ptr<float>();
  std::vector<float> norm(q);
  for (int64_t j = 0; j < q; ++j)
    norm[j] = std::sqrt(std::max(g[j * q + j], 0.0f)) + static_cast<float>(kCosineEps);
  torch::Tensor C = torch::empty({q, q}, gram.options());
  float* c = C.data_ptr<float>();
  for (int64_t j = 0; j < q; ++j) {
    double row = 0;
    for (int64_t k = 0; k < q; ++k) row += c[j * q + k] = g[j * q + k] / norm[j] / norm[k];
    const float total = static_cast<float>(row) + static_cast<float>(kCosineEps);
    for (int64_t k = 0; k < q; ++k) c[j * q + k] /= total;
  }
  return C;
}

torch::Tensor cosine_rows_reference(const torch::Tensor& gram) {
  torch::Tensor norm = gram.diagonal().clamp_min(0).sqrt() + kCosineEps;
  torch::Tensor C = gram / norm.unsqueeze(1) / norm.unsqueeze(0);
  return C / (C.sum(1, /*keepdim=*/true) + kCosineEps);
}

}  // namespace d2ace
