#include "core/neighbours.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace d2ace {
namespace {

// The `want` nearest of each row of exact distances `d` [b, N] (the instance itself already set
// to -1 or +inf), by distance then index. Rows where ties straddle the want-th distance rescan
// their full row, taking ties by index.
torch::Tensor exact_rows(const torch::Tensor& d, int64_t want) {
  auto [vals, cand] = d.topk(want, 1, /*largest=*/false, /*sorted=*/true);
  torch::Tensor kth = vals.select(1, want - 1).unsqueeze(1);
  torch::Tensor ambiguous = ((d == kth).sum(1) != (vals == kth).sum(1)).nonzero().flatten();
  if (ambiguous.numel() > 0) {
    torch::Tensor da = d.index_select(0, ambiguous), ka = kth.index_select(0, ambiguous);
    torch::Tensor less = da < ka, tie = da == ka;
    torch::Tensor room = want - less.sum(1, /*keepdim=*/true);
    torch::Tensor take = less | (tie & (tie.cumsum(1) <= room));
    cand.index_copy_(0, ambiguous, take.nonzero().select(1, 1).view({ambiguous.numel(), want}));
  }
  return cand;
}

// Sorts each row of candidate indices [b, c] by (distance, index) given their distances.
std::pair<torch::Tensor, torch::Tensor> order_by_distance(const torch::Tensor& cand,
                                                          const torch::Tensor& dist) {
  auto by_index = cand.sort(/*stable=*/true, /*dim=*/1, /*descending=*/false);
  torch::Tensor idx = std::get<0>(by_index), d = dist.gather(1, std::get<1>(by_index));
  torch::Tensor order = std::get<1>(d.sort(/*stable=*/true, /*dim=*/1, /*descending=*/false));
  return {idx.gather(1, order), d.gather(1, order)};
}

}  // namespace

torch::Tensor nearest_neighbours(const torch::Tensor& X_in, int64_t k, bool include_self,
                                 int64_t block_bytes) {
  const int64_t n = X_in.size(0), dims = X_in.size(1);
  const int64_t want = k + (include_self ? 1 : 0);
  if (k < 1 || k > n - 1)
    throw InputError("cannot find " + std::to_string(k) + " neighbours among " + std::to_string(n) +
                     " instances");
  torch::Tensor X = X_in.to(torch::kDouble).contiguous();
  torch::Tensor Xf = X.to(torch::kFloat);
  torch::Tensor norms = (X * X).sum(1), norms_f = norms.to(torch::kFloat);
  // Float distances are off from the exact ones by at most bound_i = c (|x_i|^2 + max_j |x_j|^2),
  // c = 2 (d + 4) u with u = 2^-24 (a d-term dot product, the norms rounded to float, the sum).
  const double c = 2.0 * static_cast<double>(dims + 4) * std::ldexp(1.0, -24);
  const double max_norm = norms.max().item<double>();
  const int64_t candidates = std::min<int64_t>(n, 2 * want + 16);
  const int64_t rows = std::max<int64_t>(1, block_bytes / (4 * n));
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < n; start += rows) {
    const int64_t end = std::min(n, start + rows), b = end - start;
    torch::Tensor self = torch::arange(start, end, torch::kLong);
    torch::Tensor rows_b = torch::arange(b, torch::kLong);
    // 1. Candidates from float32 distances (half the memory traffic of double, and sgemm).
    torch::Tensor df = Xf.slice(0, start, end)
                           .mm(Xf.t())
                           .mul_(-2.0)
                           .add_(norms_f.slice(0, start, end).unsqueeze(1))
                           .add_(norms_f.unsqueeze(0));
    df.index_put_({rows_b, self}, include_self ? -1.0f : INFINITY);
    auto [fvals, cand] = df.topk(candidates, 1, /*largest=*/false, /*sorted=*/true);
    df = torch::Tensor();
    // 2. Their exact (double) distances, in the same |a|^2 + |b|^2 - 2 a.b form.
    torch::Tensor xb = X.slice(0, start, end);
    torch::Tensor dots =
        torch::bmm(X.index_select(0, cand.flatten()).view({b, candidates, dims}), xb.unsqueeze(2))
            .squeeze(2);
    torch::Tensor dd = (norms.slice(0, start, end).unsqueeze(1) +
                        norms.index_select(0, cand.flatten()).view({b, candidates}) - 2.0 * dots)
                           .clamp_min(0);
    dd.masked_fill_(cand == self.unsqueeze(1), include_self ? -1.0 : INFINITY);
    auto [idx, dist] = order_by_distance(cand, dd);
    torch::Tensor chosen = idx.slice(1, 0, want);
    // 3. Certain rows: every instance outside the candidates is exactly farther than the want-th
    //    (its float distance is at least the last candidate's). Others get the exact full search.
    torch::Tensor kth = dist.select(1, want - 1);
    torch::Tensor bound = c * (norms.slice(0, start, end) + max_norm);
    torch::Tensor floor = fvals.select(1, candidates - 1).to(torch::kDouble) - bound;
    torch::Tensor uncertain =
        candidates == n ? torch::empty({0}, torch::kLong) : (kth >= floor).nonzero().flatten();
    if (uncertain.numel() > 0) {
      torch::Tensor r = uncertain + start;
      torch::Tensor d = (norms.index_select(0, r).unsqueeze(1) + norms.unsqueeze(0) -
                         2.0 * X.index_select(0, r).mm(X.t()))
                            .clamp_min(0);
      d.index_put_({torch::arange(r.numel(), torch::kLong), r}, include_self ? -1.0 : INFINITY);
      torch::Tensor exact = exact_rows(d, want);
      chosen.index_copy_(0, uncertain, order_by_distance(exact, d.gather(1, exact)).first);
    }
    parts.push_back(chosen.contiguous());
  }
  return torch::cat(parts);
}

}  // namespace d2ace
