#include "baselines/infobatch.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace d2ace {

namespace {
constexpr float kInitialScore = 3.0f;  // the official code's starting score
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
  const auto index = torch::TensorOptions().dtype(torch::kLong);
  const torch::Tensor below = scores_ < scores_.mean();
  const torch::Tensor learned = below.nonzero().flatten().cpu();
  const torch::Tensor rest = below.logical_not().nonzero().flatten().cpu();
  const int64_t w = learned.size(0);
  const auto kept =
      static_cast<int64_t>(std::floor((1.0 - config_.ratio) * static_cast<double>(w)));
  const torch::Tensor chosen =
      learned.index_select(0, at::randperm(w, generator_, index).slice(0, 0, kept));
  const torch::Tensor remaining = torch::cat({rest, chosen});
  const torch::Tensor order =
      remaining.index_select(0, at::randperm(remaining.size(0), generator_, index));
  well_learned_ = static_cast<double>(w) / static_cast<double>(n);
  pruned_ = static_cast<double>(w - kept) / static_cast<double>(n);
  EpochPlan plan = batches_of(order.to(scores_.device()), batch_size_);
  if (kept == 0) return plan;  // nothing reweighted: train as unweighted
  torch::Tensor weights = torch::ones({n}, scores_.options());
  weights.index_fill_(0, chosen.to(scores_.device()),
                      static_cast<float>(1.0 / (1.0 - config_.ratio)));
  for (const torch::Tensor& batch : plan.batches)
    plan.weights.push_back(weights.index_select(0, batch));
  return plan;
}

void InfoBatchSelector::observe(const torch::Tensor& indices, const torch::Tensor&,
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
