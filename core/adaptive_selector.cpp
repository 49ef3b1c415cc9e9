#include "core/adaptive_selector.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

namespace d2ace {

void AdaptiveSelector::attach(const TrainingPool& pool) {
  pool_ = pool;
  generator_ = at::detail::createCPUGenerator(pool.seed);
  on_attach(pool);
  if (warmup_ <= 0) {  // no warm-up: the first epoch already draws from a distribution
    next_ = rescore(0);
  }
}

EpochPlan AdaptiveSelector::plan_epoch(int64_t epoch) {
  current_uniform_ = epoch < warmup_ || !next_.p.defined();
  if (current_uniform_) return warmup_plan(epoch, generator_);
  current_ = next_;
  return draw_independent_batches(current_.p, pool_.batch_size, generator_);
}

EpochPlan AdaptiveSelector::warmup_plan(int64_t, at::Generator& generator) {
  return permutation_plan(pool_.size(), pool_.batch_size, generator);
}

void AdaptiveSelector::end_epoch(int64_t epoch) {
  if (current_uniform_) {
    diagnostics_ = {{"pressure", 1.0}, {"entropy", 1.0}, {"uniform", 1.0}};
  } else {
    diagnostics_ = current_.diagnostics;
    diagnostics_["pressure"] = current_.pressure;
    diagnostics_["entropy"] = normalised_entropy(current_.p);
    diagnostics_["uniform"] = 0.0;
  }
  if (epoch + 1 >= warmup_) next_ = rescore(epoch + 1);
}

void DynamicsSelector::on_attach(const TrainingPool& pool) {
  dynamics_ = TrainingDynamics(pool.size(), pool.Y.size(1), options_, pool.X.device());
  pending_.clear();
  pending_entries_ = 0;
}

void DynamicsSelector::observe(const torch::Tensor& idx, const torch::Tensor& p, const torch::Tensor& l) {
  pending_.push_back({idx, p, l});
  pending_entries_ += idx.numel() * std::max<int64_t>(1, (p.defined() ? p : l).size(1));
  if (pending_entries_ >= kMaxPendingEntries) flush();
}

const TrainingDynamics& DynamicsSelector::dynamics() const {
  flush();
  return dynamics_;
}

void DynamicsSelector::flush() const {
  if (pending_.empty()) return;
  std::vector<torch::Tensor> idx, p, l;
  for (const auto& v : pending_) {
    idx.push_back(v.idx);
    if (v.p.defined()) p.push_back(v.p);
    if (v.l.defined()) l.push_back(v.l);
  }
  auto joined = [](const std::vector<torch::Tensor>& parts) {
    return parts.empty() ? torch::Tensor() : parts.size() == 1 ? parts[0] : torch::cat(parts);
  };
  dynamics_.update_sequence(joined(idx), joined(p), joined(l));
  pending_.clear();
  pending_entries_ = 0;
}

}  // namespace d2ace
