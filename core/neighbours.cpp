#include "core/neighbours.h"

#include <algorithm>

#include "core/error.h"

namespace d2ace {

torch::Tensor nearest_neighbours(const torch::Tensor& X_in, int64_t k, bool include_self, int64_t block_bytes) {
  const int64_t n = X_in.size(0);
  const int64_t want = k + (include_self ? 1 : 0);
  if (k < 1 || k > n - 1)
    throw InputError("cannot find " + std::to_string(k) + " neighbours among " + std::to_string(n) + " instances");
  torch::Tensor X = X_in.to(torch::kDouble).contiguous();
  torch::Tensor norms = (X * X).sum(1);
  const int64_t rows = std::max<int64_t>(1, block_bytes / (8 * n));
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < n; start += rows) {
    const int64_t end = std::min(n, start + rows), b = end - start;
    torch::Tensor xb = X.slice(0, start, end);
    torch::Tensor d = (norms.slice(0, start, end).unsqueeze(1) + norms.unsqueeze(0) - 2.0 * xb.mm(X.t())).clamp_min(0);
    torch::Tensor self = torch::arange(start, end, torch::kLong);
    torch::Tensor rows_b = torch::arange(b, torch::kLong);
    // The instance itself: distance 0 exactly, first among its ties (lowest rank), or excluded.
    d.index_put_({rows_b, self}, include_self ? -1.0 : INFINITY);
    // Candidates: the `want` smallest. Their set is exact unless ties straddle the want-th
    // distance; only such rows (rare on real data) rescan their full row, taking ties by index.
    auto [vals, cand] = d.topk(want, 1, /*largest=*/false, /*sorted=*/true);
    torch::Tensor kth = vals.select(1, want - 1).unsqueeze(1);
    torch::Tensor at_kth_all = (d == kth).sum(1);
    torch::Tensor at_kth_cand = (vals == kth).sum(1);
    torch::Tensor ambiguous = (at_kth_all != at_kth_cand).nonzero().flatten();
    if (ambiguous.numel() > 0) {
      torch::Tensor da = d.index_select(0, ambiguous), ka = kth.index_select(0, ambiguous);
      torch::Tensor less = da < ka, tie = da == ka;
      torch::Tensor room = want - less.sum(1, /*keepdim=*/true);
      torch::Tensor take = less | (tie & (tie.cumsum(1) <= room));
      cand.index_copy_(0, ambiguous, take.nonzero().select(1, 1).view({ambiguous.numel(), want}));
    }
    // Order: by distance, ties by index (sort by index, then stably by distance).
    torch::Tensor idx = std::get<0>(cand.sort(/*stable=*/true, /*dim=*/1, /*descending=*/false));
    torch::Tensor dist = d.gather(1, idx);
    torch::Tensor order = std::get<1>(dist.sort(/*stable=*/true, /*dim=*/1, /*descending=*/false));
    parts.push_back(idx.gather(1, order));
  }
  return torch::cat(parts);
}

}  // namespace d2ace
