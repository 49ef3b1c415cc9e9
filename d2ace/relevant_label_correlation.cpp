#include <algorithm>

#include "d2ace/relevant_label_correlation.h"

namespace d2ace {

std::pair<torch::Tensor, torch::Tensor> expand_segments(const torch::Tensor& lengths) {
  torch::Tensor owner = torch::repeat_interleave(torch::arange(lengths.size(0), lengths.options()), lengths);
  torch::Tensor start = lengths.cumsum(0) - lengths;
  torch::Tensor offset = torch::arange(owner.size(0), lengths.options()) - start.index_select(0, owner);
  return {owner, offset};
}

RelevantEntries RelevantEntries::of(const torch::Tensor& Y, int64_t max_pairs) {
  RelevantEntries r;
  torch::Tensor nz = Y.nonzero();  // row-major order
  r.rows = nz.select(1, 0).contiguous();
  r.cols = nz.select(1, 1).contiguous();
  r.n = Y.size(0);
  r.q = Y.size(1);
  torch::Tensor per_row = Y.gt(0).sum(1);
  r.row_start = torch::cat({torch::zeros({1}, per_row.options()), per_row.cumsum(0)});
  if (per_row.pow(2).sum().item<int64_t>() > (max_pairs < 0 ? std::max(r.n * r.q, kMinDenseSwitch) : max_pairs)) {  // dense label sets
    r.mask = Y.gt(0).to(Y.scalar_type());
    return r;
  }
  auto [a, offset] = expand_segments(per_row.index_select(0, r.rows));
  r.pair_a = a;
  r.pair_b = r.row_start.index_select(0, r.rows.index_select(0, a)) + offset;
  return r;
}

torch::Tensor relevant_label_correlation(const torch::Tensor& M, const RelevantEntries* relevant) {
  torch::Tensor gram;
  if (relevant && relevant->mask.defined()) {
    torch::Tensor masked = M * relevant->mask;
    gram = masked.t().mm(masked);
  } else if (relevant) {
    const RelevantEntries& r = *relevant;
    torch::Tensor values = M.index({r.rows, r.cols});
    torch::Tensor products = values.index_select(0, r.pair_a) * values.index_select(0, r.pair_b);
    torch::Tensor cell = r.cols.index_select(0, r.pair_a) * r.q + r.cols.index_select(0, r.pair_b);
    gram = torch::zeros({r.q * r.q}, M.options()).index_add_(0, cell, products).view({r.q, r.q});
  } else {
    gram = M.t().mm(M);
  }
  torch::Tensor norm = gram.diagonal().clamp_min(0).sqrt() + kCosineEps;
  torch::Tensor C = gram / norm.unsqueeze(1) / norm.unsqueeze(0);
  return C / (C.sum(1, /*keepdim=*/true) + kCosineEps);
}

}  // namespace d2ace
