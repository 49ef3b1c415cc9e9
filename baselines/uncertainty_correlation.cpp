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
  std::vector<int32_t> bin(n * k);
  for (int64_t e = 0; e < n * k; ++e)
    bin[e] = static_cast<int32_t>(
        std::clamp(std::floor(u[e] * static_cast<float>(bins)), 0.0f, static_cast<float>(b - 1)));
  // Joint counts of every label pair k1 <= k2 (k1 = k2: the marginal on the diagonal), one pass.
  std::vector<int32_t> joint(k * k * b * b, 0);
  auto cell = [&](int64_t k1, int64_t k2, int64_t b1, int64_t b2) {
    return ((k1 * k + k2) * b + b1) * b + b2;
  };
  for (int64_t i = 0; i < n; ++i) {
    const int32_t* row = bin.data() + i * k;
    for (int64_t k1 = 0; k1 < k; ++k1)
      for (int64_t k2 = k1; k2 < k; ++k2) ++joint[cell(k1, k2, row[k1], row[k2])];
  }
  auto entropy = [&](int64_t k1, int64_t k2) {  // of the joint histogram of (k1, k2)
    double h = 0;
    for (int64_t c = 0; c < b * b; ++c)
      if (const int32_t count = joint[(k1 * k + k2) * b * b + c]; count > 0) {
        const double p = count / static_cast<double>(n);
        h -= p * std::log(p);
      }
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
