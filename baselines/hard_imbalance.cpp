#include "baselines/hard_imbalance.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "core/cpu_kernels.h"
#include "core/neighbours.h"
#include "core/timing.h"

namespace d2ace {

namespace {

// C_ij before the minority mask, [N, q], by gathering and comparing the neighbour rows.
torch::Tensor neighbour_disagreement_reference(const torch::Tensor& Y,
                                               const torch::Tensor& neighbours) {
  const int64_t k = neighbours.size(1);
  return (Y.index_select(0, neighbours.flatten()).view({Y.size(0), k, Y.size(1)}) != Y.unsqueeze(1))
      .to(torch::kFloat)
      .mean(1);
}

// count[j]: how many of row i's k neighbours (nb, [N, k]) have label j unlike its own.
D2ACE_INLINE void count_disagreements(const float* __restrict y, const int64_t* __restrict nb,
                                      int64_t i, int64_t k, int64_t q, int32_t* __restrict count) {
  std::fill(count, count + q, 0);
  const float* __restrict own = y + i * q;
  for (int64_t r = 0; r < k; ++r) {
    const float* __restrict other = y + nb[i * k + r] * q;
    for (int64_t j = 0; j < q; ++j) count[j] += other[j] != own[j] ? 1 : 0;
  }
}

// The weights' first pass: C_ij = (disagreement * y_ij) * minority_j, kept where 0 < C_ij < 1
// (the reference's C * inner; 0 elsewhere), so that C_ij > 0 says inner.
D2ACE_KERNEL void inner_disagreement_rows(const float* y, const int64_t* nb, const float* minority,
                                          int64_t k, int64_t q, float* out, int64_t begin,
                                          int64_t end) {
  std::vector<int32_t> count(q);
  for (int64_t i = begin; i < end; ++i) {
    count_disagreements(y, nb, i, k, q, count.data());
    float* __restrict c = out + i * q;
    for (int64_t j = 0; j < q; ++j) {
      // The reference's mean over k is a float sum of k zeros and ones (exact), divided by k.
      const float C =
          (static_cast<float>(count[j]) / static_cast<float>(k) * y[i * q + j]) * minority[j];
      c[j] = C * (C > 0.0f && C < 1.0f ? 1.0f : 0.0f);
    }
  }
}

// The second pass, in place: w_ij = ratio_j (1 + c̃_ij), c̃_ij = C_ij / column_j where inner.
D2ACE_KERNEL void imbalance_weight_rows(float* w, const float* column, const float* ratio,
                                        int64_t q, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    float* __restrict row = w + i * q;
    for (int64_t j = 0; j < q; ++j)
      row[j] = ratio[j] * (1.0f + (row[j] > 0.0f ? row[j] / column[j] : 0.0f));
  }
}

// IRLbl_j (0 without positives), MeanIR and the minority labels, [q] each.
struct LabelImbalance {
  torch::Tensor irl, mean_ir, minority;
};

LabelImbalance label_imbalance(const torch::Tensor& Y) {
  torch::Tensor positives = Y.sum(0);  // [q]
  torch::Tensor has = positives > 0;
  torch::Tensor irl =
      torch::where(has, positives.max() / positives.clamp_min(1), torch::zeros_like(positives));
  torch::Tensor mean_ir = irl.sum() / has.sum().clamp_min(1);
  return {irl, mean_ir, irl > mean_ir};
}

}  // namespace

torch::Tensor imbalance_weights_reference(const torch::Tensor& Y, const torch::Tensor& neighbours) {
  const LabelImbalance l = label_imbalance(Y);
  // C_ij: share of neighbours disagreeing on label j, kept for minority labels with y_ij = 1.
  torch::Tensor disagree = neighbour_disagreement_reference(Y, neighbours);
  torch::Tensor C = disagree * Y * l.minority.unsqueeze(0).to(torch::kFloat);
  torch::Tensor inner = (C > 0) & (C < 1);
  torch::Tensor column = (C * inner).sum(0, /*keepdim=*/true);
  torch::Tensor c_norm = torch::where(inner, C / column.clamp_min(1e-12), torch::zeros_like(C));
  return (l.irl / l.mean_ir).unsqueeze(0) * (1 + c_norm);
}

torch::Tensor imbalance_weights(const torch::Tensor& Y_in, const torch::Tensor& nn_in) {
  if (!fusable(torch::kFloat, {Y_in}) || !nn_in.device().is_cpu())
    return imbalance_weights_reference(Y_in, nn_in);
  const torch::Tensor Y = Y_in.contiguous(), nn = nn_in.to(torch::kLong).contiguous();
  const int64_t n = Y.size(0), q = Y.size(1), k = nn.size(1);
  const LabelImbalance l = label_imbalance(Y);
  const torch::Tensor minority = l.minority.to(torch::kFloat).contiguous();
  torch::Tensor W = torch::empty({n, q}, Y.options());
  float* w = W.data_ptr<float>();
  at::parallel_for(0, n, rows_for(kRowGrain, k * q), [&](int64_t begin, int64_t end) {
    inner_disagreement_rows(Y.data_ptr<float>(), nn.data_ptr<int64_t>(), minority.data_ptr<float>(),
                            k, q, w, begin, end);
  });
  // ATen's column sum over the reference's very values (C * inner): the same sum, bit for bit.
  const torch::Tensor column = W.sum(0).clamp_min(1e-12).contiguous();
  const torch::Tensor ratio = (l.irl / l.mean_ir).contiguous();
  at::parallel_for(0, n, rows_for(kRowGrain, q), [&](int64_t begin, int64_t end) {
    imbalance_weight_rows(w, column.data_ptr<float>(), ratio.data_ptr<float>(), q, begin, end);
  });
  return W;
}

namespace {
DynamicsOptions latest_loss() {
  DynamicsOptions o;
  o.window = 0;
  o.track_loss = true;
  return o;
}
}  // namespace

HardImbalanceSelector::HardImbalanceSelector(HardImbalanceConfig c)
    : DynamicsSelector(c.schedule, latest_loss()), config_(c) {}

void HardImbalanceSelector::on_attach(const TrainingPool& pool) {
  DynamicsSelector::on_attach(pool);
  const auto start = Clock::now();
  torch::Tensor neighbours =
      nearest_neighbours(pool.X, config_.k, /*include_self=*/false).to(pool.X.device());
  neighbour_seconds_ = seconds_since(start);
  weights_ = imbalance_weights(pool.Y, neighbours);
}

AdaptiveSelector::Distribution HardImbalanceSelector::rescore(int64_t next_epoch) {
  torch::Tensor S = (weights_ * dynamics().last_loss()).sum(1);
  const double s = pressure_at(next_epoch);
  return {quantised_exponential_distribution(S, s), s, {{"mean_score", S.mean().item<double>()}}};
}

}  // namespace d2ace
