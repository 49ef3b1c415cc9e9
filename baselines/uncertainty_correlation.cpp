#include "baselines/uncertainty_correlation.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/cpu_kernels.h"

namespace d2ace {

torch::Tensor binned_mutual_information(const torch::Tensor& U_in, int64_t bins) {
  if (!fusable(torch::kFloat, {U_in})) return binned_mutual_information_reference(U_in, bins);
  const torch::Tensor U = U_in.contiguous();
  const int64_t n = U.size(0), k = U.size(1), b = bins;
  const float* u = U.data_ptr<float>();
  // Each label's bins as one column (label-major), so a pair's counts read two sequential columns.
  std::vector<int32_t> bin(n * k);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j)
      bin[j * n + i] = static_cast<int32_t>(std::clamp(
          std::floor(u[i * k + j] * static_cast<float>(bins)), 0.0f, static_cast<float>(b - 1)));
  // Joint counts of every label pair k1 <= k2 (k1 = k2: the marginal on the diagonal), one pair at
  // a time, in L1. Four partial histograms (rows i mod 4) keep consecutive rows that fall in one
  // cell from waiting on each other's increment; counts are integers, so any order is exact.
  const int64_t cells = b * b;
  std::vector<int32_t> joint(k * k * cells, 0), part(4 * cells);
  for (int64_t k1 = 0; k1 < k; ++k1)
    for (int64_t k2 = k1; k2 < k; ++k2) {
      std::fill(part.begin(), part.end(), 0);
      const int32_t *c1 = bin.data() + k1 * n, *c2 = bin.data() + k2 * n;
      int64_t i = 0;
      for (; i + 4 <= n; i += 4)
        for (int64_t r = 0; r < 4; ++r) ++part[r * cells + c1[i + r] * b + c2[i + r]];
      for (; i < n; ++i) ++part[c1[i] * b + c2[i]];
      int32_t* block = joint.data() + (k1 * k + k2) * cells;
      for (int64_t c = 0; c < cells; ++c)
        block[c] = part[c] + part[cells + c] + part[2 * cells + c] + part[3 * cells + c];
    }
  // -p log p of a cell depends on its count alone: one log per possible count (n of them) instead
  // of one per non-empty cell, the same double for the same count, summed in the same order.
  std::vector<double> term(n + 1, 0.0);
  for (int64_t c = 1; c <= n; ++c) {
    const double p = static_cast<double>(c) / static_cast<double>(n);
    term[c] = p * std::log(p);
  }
  auto entropy = [&](int64_t k1, int64_t k2) {  // of the joint histogram of (k1, k2)
    double h = 0;
    for (int64_t c = 0; c < cells; ++c)
      if (const int32_t count = joint[(k1 * k + k2) * cells + c]; count > 0) h -= term[count];
    return h;
  };
  std::vector<double> h(k);
  for (int64_t j = 0; j < k; ++j) h[j] = entropy(j, j);  // the diagonal holds the marginals
  torch::Tensor M = torch::empty({k, k}, torch::kDouble);
  double* m = M.data_ptr<double>();
  for (int64_t k1 = 0; k1 < k; ++k1)
    for (int64_t k2 = k1; k2 < k; ++k2)
      m[k1 * k + k2] = m[k2 * k + k1] = std::max(0.0, h[k1] + h[k2] - entropy(k1, k2));
  return M;
}

torch::Tensor binned_mutual_information_reference(const torch::Tensor& U, int64_t bins) {
  const int64_t n = U.size(0), k = U.size(1);
  torch::Tensor bin = (U * static_cast<double>(bins)).floor().clamp(0, bins - 1).to(torch::kLong);
  // One-hot [N, K * bins]: the joint histograms of every label pair in one matrix product.
  torch::Tensor column = bin + torch::arange(k, bin.options()).unsqueeze(0) * bins;
  torch::Tensor onehot = torch::zeros({n, k * bins}, U.options().dtype(torch::kFloat));
  onehot.scatter_(1, column, 1.0f);
  torch::Tensor joint = onehot.t()
                            .mm(onehot)
                            .to(torch::kDouble)
                            .div_(static_cast<double>(n))
                            .view({k, bins, k, bins});
  torch::Tensor marginal = onehot.mean(0).to(torch::kDouble).view({k, bins});
  torch::Tensor h = -at::xlogy(marginal, marginal).sum(1);         // [K]
  torch::Tensor h_joint = -at::xlogy(joint, joint).sum(3).sum(1);  // [K, K]
  return (h.unsqueeze(1) + h.unsqueeze(0) - h_joint).clamp_min(0);
}

namespace {
DynamicsOptions prediction_window(int64_t window) {
  DynamicsOptions o;
  o.window = window;
  return o;
}
}  // namespace

UncertaintyCorrelationSelector::UncertaintyCorrelationSelector(UncertaintyCorrelationConfig c)
    : DynamicsSelector(c.schedule, prediction_window(c.window)), config_(c) {}

torch::Tensor UncertaintyCorrelationSelector::scores() const {
  torch::Tensor U = windowed_uncertainty(dynamics(), config_.lambda);
  const int64_t q = U.size(1), k = std::min(q, config_.mi_labels);
  torch::Tensor top =
      k == q ? torch::arange(q, torch::TensorOptions().dtype(torch::kLong).device(U.device()))
             : std::get<0>(std::get<1>(U.mean(0).topk(k)).sort());
  torch::Tensor Uk = U.index_select(1, top);
  const int64_t stride = (U.size(0) + config_.mi_sample - 1) / config_.mi_sample;
  torch::Tensor sample = stride > 1 ? Uk.slice(0, 0, Uk.size(0), stride) : Uk;
  torch::Tensor M = binned_mutual_information(sample, config_.bins).to(torch::kFloat);
  M.fill_diagonal_(0.0);
  torch::Tensor rows = M.sum(1, /*keepdim=*/true);
  M = torch::where(rows > 0, M / rows.clamp_min(1e-12), torch::zeros_like(M));
  torch::Tensor synergy = (Uk.mm(M.t()) * Uk).sum(1);
  return U.sum(1) + synergy;
}

AdaptiveSelector::Distribution UncertaintyCorrelationSelector::rescore(int64_t next_epoch) {
  torch::Tensor S = scores();
  const double s = pressure_at(next_epoch);
  return {quantised_exponential_distribution(S, s), s, {{"mean_score", S.mean().item<double>()}}};
}

}  // namespace d2ace
