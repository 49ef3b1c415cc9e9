#include "baselines/infobatch.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <vector>

#include "core/cpu_kernels.h"

namespace d2ace {

namespace {
constexpr float kInitialScore = 3.0f;  // the official code's starting score

int64_t kept_of(int64_t learned, double ratio) {
  return static_cast<int64_t>(std::floor((1.0 - ratio) * static_cast<double>(learned)));
}
}  // namespace

torch::Tensor balanced_instance_loss(const torch::Tensor& losses, const torch::Tensor& labels) {
  const torch::Tensor positive = labels > 0.5;
  const torch::Tensor positives = positive.sum(1);  // [b] int64
  const torch::Tensor negatives = losses.size(1) - positives;
  const torch::Tensor taken = torch::minimum(positives, negatives);
  // Negative losses, largest first; the sum of the first `taken` of each row.
  const torch::Tensor negative_loss = losses.masked_fill(positive, 0.0);
  const torch::Tensor sorted = std::get<0>(negative_loss.sort(1, /*descending=*/true));
  const torch::Tensor prefix =
      torch::cat({torch::zeros({losses.size(0), 1}, losses.options()), sorted.cumsum(1)}, 1);
  const torch::Tensor top_negatives = prefix.gather(1, taken.unsqueeze(1)).squeeze(1);
  const torch::Tensor positive_loss = (losses * positive).sum(1);
  const torch::Tensor balanced = (positive_loss + top_negatives) / (positives + taken);
  return torch::where(positives > 0, balanced, losses.mean(1));
}

void InfoBatchSelector::attach(const TrainingPool& pool) {
  labels_ = pool.Y;
  scores_ = torch::full({pool.size()}, kInitialScore, pool.Y.options().dtype(torch::kFloat));
  batch_size_ = pool.batch_size;
  epochs_ = pool.epochs;
  generator_ = at::detail::createCPUGenerator(pool.seed);
}

EpochPlan InfoBatchSelector::plan_epoch(int64_t epoch) {
  const int64_t n = scores_.size(0);
  pruned_ = well_learned_ = 0;
  if (!(static_cast<double>(epoch) < config_.delta * static_cast<double>(epochs_)))
    return permutation_plan(n, batch_size_, generator_);
  const InfoBatchPruning p = prune_well_learned(scores_, config_.ratio, generator_);
  well_learned_ = static_cast<double>(p.learned) / static_cast<double>(n);
  pruned_ = static_cast<double>(p.learned - p.kept) / static_cast<double>(n);
  EpochPlan plan = batches_of(p.order, batch_size_);
  if (p.kept > 0) plan.weights = batches_of(p.weights, batch_size_).batches;
  return plan;  // nothing reweighted (kept = 0): train as unweighted
}

InfoBatchPruning prune_well_learned_reference(const torch::Tensor& scores, double ratio,
                                              at::Generator& generator) {
  const int64_t n = scores.size(0);
  const auto index = torch::TensorOptions().dtype(torch::kLong);
  const torch::Tensor below = scores < scores.mean();
  const torch::Tensor learned = below.nonzero().flatten().cpu();
  const torch::Tensor rest = below.logical_not().nonzero().flatten().cpu();
  InfoBatchPruning p;
  p.learned = learned.size(0);
  p.kept = kept_of(p.learned, ratio);
  const torch::Tensor chosen =
      learned.index_select(0, at::randperm(p.learned, generator, index).slice(0, 0, p.kept));
  const torch::Tensor remaining = torch::cat({rest, chosen});
  p.order = remaining.index_select(0, at::randperm(remaining.size(0), generator, index))
                .to(scores.device());
  torch::Tensor weights = torch::ones({n}, scores.options());
  weights.index_fill_(0, chosen.to(scores.device()), static_cast<float>(1.0 / (1.0 - ratio)));
  p.weights = weights.index_select(0, p.order);
  return p;
}

// The reference's pruning in one pass over the scores and one over the epoch's order, around the
// same two randperm draws (so the same plan from the same generator): the mean stays ATen's, since
// which side of it a score falls on decides the plan; nonzero's ascending order is the loop's.
InfoBatchPruning prune_well_learned(const torch::Tensor& scores, double ratio,
                                    at::Generator& generator) {
  if (!fusable(torch::kFloat, {scores}))
    return prune_well_learned_reference(scores, ratio, generator);
  const int64_t n = scores.size(0);
  const auto index = torch::TensorOptions().dtype(torch::kLong);
  const float mean = scores.mean().item<float>();
  const torch::Tensor contiguous = scores.contiguous();
  const float* s = contiguous.data_ptr<float>();
  std::vector<int64_t> learned, rest;
  learned.reserve(n), rest.reserve(n);
  for (int64_t i = 0; i < n; ++i) (s[i] < mean ? learned : rest).push_back(i);
  InfoBatchPruning p;
  p.learned = static_cast<int64_t>(learned.size());
  p.kept = kept_of(p.learned, ratio);
  const torch::Tensor pick = at::randperm(p.learned, generator, index);
  const int64_t hard = static_cast<int64_t>(rest.size()), m = hard + p.kept;
  const torch::Tensor shuffle = at::randperm(m, generator, index);
  p.order = torch::empty({m}, index);
  p.weights = torch::empty({m}, scores.options());
  const int64_t* pk = pick.data_ptr<int64_t>();
  const int64_t* sh = shuffle.data_ptr<int64_t>();
  int64_t* order = p.order.data_ptr<int64_t>();
  float* weight = p.weights.data_ptr<float>();
  const auto boost = static_cast<float>(1.0 / (1.0 - ratio));
  for (int64_t k = 0; k < m; ++k) {  // remaining = rest, then the kept learned ones
    const int64_t r = sh[k];
    order[k] = r < hard ? rest[r] : learned[pk[r - hard]];
    weight[k] = r < hard ? 1.0f : boost;
  }
  return p;
}

void InfoBatchSelector::observe(const torch::Tensor& indices, const torch::Tensor&,
                                const torch::Tensor& losses) {
  if (config_.balanced || !fusable(torch::kFloat, {scores_, losses}) ||
      !fusable(torch::kLong, {indices})) {
    observe_reference(indices, losses);
    return;
  }
  // ATen's row sums (the scores stay the reference's bit for bit), stored by a loop instead of
  // index_put_'s advanced-indexing machinery.
  const torch::Tensor sums = losses.sum(1), idx = indices.contiguous();
  const float* v = sums.data_ptr<float>();
  const int64_t* rows = idx.data_ptr<int64_t>();
  float* scores = scores_.data_ptr<float>();
  const int64_t n = scores_.size(0);
  for (int64_t k = 0; k < idx.size(0); ++k) {
    TORCH_CHECK(rows[k] >= 0 && rows[k] < n, "infobatch: instance ", rows[k],
                " outside the pool of ", n);
    scores[rows[k]] = v[k];
  }
}

void InfoBatchSelector::observe_reference(const torch::Tensor& indices,
                                          const torch::Tensor& losses) {
  const torch::Tensor score = config_.balanced
                                  ? balanced_instance_loss(losses, labels_.index_select(0, indices))
                                  : losses.sum(1);
  scores_.index_put_({indices}, score.to(torch::kFloat));
}

std::map<std::string, double> InfoBatchSelector::diagnostics() const {
  return {{"pruned", pruned_}, {"well_learned", well_learned_}};
}

}  // namespace d2ace
