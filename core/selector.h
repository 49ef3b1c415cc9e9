// The Selector contract (design.md): how a batch selector meets the trainer.
//
// A selector sees the training pool once (attach), then each epoch plans the batches
// (plan_epoch; a plan may carry per-instance loss weights), observes what the model saw on each
// batch (observe: indices, probabilities and the per-entry loss matrix of the training forward
// pass), and rescores at the epoch's end (end_epoch). Its per-instance state lives in tensors on
// the pool's device, updated by a few tensor operations or a fused CPU kernel with a
// tensor-operation reference (docs/architecture.md)
// -- never by tensor operations per instance. A selector never reads a flag: its parameters
// arrive as Params.
//
// Usage (what the trainer does):
//   selector->attach(pool);
//   for e in epochs:
//     EpochPlan plan = selector->plan_epoch(e);
//     for batch in plan.batches: ... selector->observe(batch, probs, losses);
//     if (selector->wants_pool_predictions(e)) selector->observe_pool(pool_probs, pool_losses);
//     selector->end_epoch(e);
#pragma once

#include <torch/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/registry.h"

namespace d2ace {

struct TrainingPool {
  torch::Tensor X;  // [N, d] float32, the training part (validation held out)
  torch::Tensor Y;  // [N, q] float32 in {0, 1}
  int64_t batch_size = 128;
  int64_t epochs = 1;  // total epochs of the run, for schedules
  uint64_t seed = 0;   // the selector's own random stream
  int64_t size() const { return X.size(0); }
};

struct EpochPlan {
  std::vector<torch::Tensor> batches;  // int64 index tensors into the pool, one per step
  // Per-instance loss weights, one float tensor [b] per batch (InfoBatch's rescaling), or empty:
  // the trainer hands them to the model's loss. Empty (every selector but InfoBatch) leaves
  // training exactly as unweighted.
  std::vector<torch::Tensor> weights;
};

// What a selector needs from each training step (the trainer computes nothing more).
enum class Observation { kNothing, kLosses, kProbabilitiesAndLosses };

class Selector {
 public:
  virtual ~Selector() = default;

  virtual Observation needs() const { return Observation::kProbabilitiesAndLosses; }

  virtual void attach(const TrainingPool& pool) = 0;
  virtual EpochPlan plan_epoch(int64_t epoch) = 0;
  // indices [b] int64; probabilities and losses [b, q], detached, from the training forward pass
  // (probabilities undefined when needs() is kLosses; not called at all for kNothing).
  virtual void observe(const torch::Tensor& indices, const torch::Tensor& probabilities,
                       const torch::Tensor& losses) {
    (void)indices, (void)probabilities, (void)losses;
  }
  // A selector that rescores the whole pool each epoch (Online Batch's full refresh) says so; the
  // trainer then runs an eval-mode forward pass over the pool after the epoch's last step and
  // before end_epoch, and hands over the probabilities and per-entry losses ([N, q]). Its cost is
  // selection time ("rescore" in the report).
  virtual bool wants_pool_predictions(int64_t epoch) const {
    (void)epoch;
    return false;
  }
  virtual void observe_pool(const torch::Tensor& probabilities, const torch::Tensor& losses) {
    (void)probabilities, (void)losses;
  }
  virtual void end_epoch(int64_t epoch) { (void)epoch; }
  // Seconds spent in one-off neighbour searches (kNN) so far: the report keeps them apart from the
  // per-epoch selection cost, as the design's timing split does.
  virtual double neighbour_search_seconds() const { return 0.0; }
  // Per-epoch scalars for the report (selection pressure, entropy, ...), after end_epoch.
  virtual std::map<std::string, double> diagnostics() const { return {}; }
};

using SelectorRegistry = Registry<std::unique_ptr<Selector>, const Params&>;

// A fresh random permutation of [0, n) cut into batches of `batch_size` (the last one smaller):
// the uniform plan, shared by every selector that shuffles (warm-up epochs included).
EpochPlan permutation_plan(int64_t n, int64_t batch_size, at::Generator& generator);

// The index tensor `order` cut, in order, into batches of `batch_size` (the last one smaller).
EpochPlan batches_of(const torch::Tensor& order, int64_t batch_size);

}  // namespace d2ace
