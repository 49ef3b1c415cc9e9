#include "core/sampling.h"

#include <ATen/ATen.h>

#include <cmath>

namespace d2ace {
namespace {

torch::Tensor normalise_log(const torch::Tensor& logp) {
  torch::Tensor p = (logp - logp.max()).exp();
  return p / p.sum();
}

torch::Tensor exponential_of_index(const torch::Tensor& k, double pressure) {
  TORCH_CHECK(pressure >= 1.0 && std::isfinite(pressure),
              "selection pressure must be finite and >= 1");
  const double n = static_cast<double>(k.size(0));
  return normalise_log(-(std::log(pressure) / n) * k.to(torch::kDouble));
}

}  // namespace

torch::Tensor sanitize_scores(const torch::Tensor& scores) {
  torch::Tensor s = scores.detach().to(torch::kDouble).flatten();
  torch::Tensor finite = torch::isfinite(s);
  if (!finite.any().item<bool>()) return torch::zeros_like(s);
  torch::Tensor lo = s.masked_select(finite).min(), hi = s.masked_select(finite).max();
  s = torch::where(torch::isnan(s) | (s == -INFINITY), lo, s);
  return torch::where(s == INFINITY, hi, s);
}

torch::Tensor rank_exponential_distribution(const torch::Tensor& scores, double pressure) {
  torch::Tensor s = sanitize_scores(scores);
  // Stable descending sort: equal scores keep index order. rank 1 = highest score.
  torch::Tensor order = std::get<1>(s.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
  torch::Tensor rank = torch::empty_like(order);
  rank.index_put_({order}, torch::arange(1, s.size(0) + 1, order.options()));
  return exponential_of_index(rank, pressure);
}

torch::Tensor quantised_exponential_distribution(const torch::Tensor& scores, double pressure) {
  torch::Tensor s = sanitize_scores(scores);
  const int64_t n = s.size(0);
  const double lo = s.min().item<double>(), hi = s.max().item<double>();
  torch::Tensor normalised = hi > lo ? (s - lo) / (hi - lo) : torch::zeros_like(s);
  torch::Tensor k = torch::ceil((1.0 - normalised) * static_cast<double>(n)).clamp(1, n);
  return exponential_of_index(k, pressure);
}

torch::Tensor proportional_distribution(const torch::Tensor& weights) {
  torch::Tensor w = sanitize_scores(weights).clamp_min(0);
  double total = w.sum().item<double>();
  if (!(total > 0) || !std::isfinite(total)) return uniform_distribution(w.size(0));
  // Strictly positive (a zero weight keeps a 1e-12 share), summing to 1.
  const double n = static_cast<double>(w.size(0));
  return (w / total + 1e-12 / n) / (1.0 + 1e-12);
}

torch::Tensor uniform_distribution(int64_t n) {
  return torch::full({n}, 1.0 / static_cast<double>(n), torch::kDouble);
}

double normalised_entropy(const torch::Tensor& p) {
  const int64_t n = p.numel();
  if (n <= 1) return 1.0;
  torch::Tensor q = p.to(torch::kDouble);
  return -(at::xlogy(q, q).sum().item<double>()) / std::log(static_cast<double>(n));
}

EpochPlan draw_independent_batches(const torch::Tensor& p_in, int64_t b, at::Generator& gen) {
  TORCH_CHECK(b > 0, "batch size must be positive");
  torch::Tensor p = p_in.to(torch::kCPU, torch::kDouble).contiguous();
  const int64_t n = p.size(0);
  b = std::min(b, n);
  const int64_t batches = (n + b - 1) / b;
  const auto long_opts = torch::TensorOptions().dtype(torch::kLong);
  // Batch k wants size[k] distinct instances: b, ..., b, and the remainder last.
  torch::Tensor size = torch::full({batches, 1}, b, long_opts);
  size[batches - 1] = n - (batches - 1) * b;
  torch::Tensor cdf = p.cumsum(0);
  cdf = cdf / cdf[-1];
  auto draw = [&](int64_t columns) {
    torch::Tensor u =
        at::rand({batches, columns}, gen, torch::TensorOptions().dtype(torch::kDouble));
    return at::searchsorted(cdf, u, /*out_int32=*/false, /*right=*/true).clamp_max(n - 1);
  };
  // Each row is one batch's i.i.d. stream; b + b/4 draws usually hold b distinct values. A row
  // that falls short is extended (never redrawn: discarding a stream would bias the result).
  torch::Tensor stream = draw(b + std::max<int64_t>(8, b / 4));
  torch::Tensor first;
  for (int round = 0;; ++round) {
    // First occurrences, in stream order, within each row.
    auto sorted = stream.sort(/*stable=*/true, /*dim=*/1, /*descending=*/false);
    torch::Tensor values = std::get<0>(sorted), order = std::get<1>(sorted);
    torch::Tensor is_first = torch::ones_like(values, torch::kBool);
    is_first.slice(1, 1).copy_(values.slice(1, 1) != values.slice(1, 0, -1));
    first = torch::empty_like(is_first).scatter_(1, order, is_first);
    torch::Tensor short_rows =
        (first.sum(1, /*keepdim=*/true) < size).flatten().nonzero().flatten();
    if (short_rows.numel() == 0) break;
    if (round >= 16) {
      // Extreme concentration: finish the short rows exactly from the mass not yet taken.
      for (int64_t r : std::vector<int64_t>(short_rows.data_ptr<int64_t>(),
                                            short_rows.data_ptr<int64_t>() + short_rows.numel())) {
        torch::Tensor taken = stream[r].masked_select(first[r]);
        torch::Tensor rest = p.clone().index_fill_(0, taken, 0.0);
        const int64_t missing = size[r].item<int64_t>() - taken.numel();
        torch::Tensor more = at::multinomial(rest, missing, /*replacement=*/false, gen);
        torch::Tensor row = torch::cat({taken, more});
        torch::Tensor pad = row.new_full({stream.size(1) - row.numel()}, row[0].item<int64_t>());
        stream[r] = torch::cat({row, pad});
        first[r] = torch::cat(
            {torch::ones({row.numel()}, torch::kBool), torch::zeros({pad.numel()}, torch::kBool)});
      }
      break;
    }
    stream = torch::cat({stream, draw(stream.size(1))}, 1);
  }
  // The first size[k] distinct values of each row, in stream order.
  torch::Tensor take = first & (first.cumsum(1) <= size);
  torch::Tensor chosen = stream.masked_select(take);
  EpochPlan plan;
  plan.batches = chosen.split(b);
  return plan;
}

}  // namespace d2ace
