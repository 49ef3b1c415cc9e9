// The Selector contract (design.md): how a batch selector meets the trainer.
//
// A selector sees the training pool once (attach), then each epoch plans the batches
// (plan_epoch), observes what the model saw on each batch (observe: indices, probabilities and
// the per-entry loss matrix of the training forward pass), and rescores at the epoch's end
// (end_epoch). Its per-instance state lives in tensors on the pool's device, updated with
// vectorised index operations. A selector never reads a flag: its parameters arrive as Params.
//
// Usage (what the trainer does):
//   selector->attach(pool);
//   for e in epochs:
//     EpochPlan plan = selector->plan_epoch(e);
//     for batch in plan.batches: ... selector->observe(batch, probs, losses);
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
  torch::Tensor X;             // [N, d] float32, the training part (validation held out)
  torch::Tensor Y;             // [N, q] float32 in {0, 1}
  int64_t batch_size = 128;
  int64_t epochs = 1;          // total epochs of the run, for schedules
  uint64_t seed = 0;           // the selector's own random stream
  int64_t size() const { return X.size(0); }
};

struct EpochPlan {
  std::vector<torch::Tensor> batches;  // int64 index tensors into the pool, one per step
};

class Selector {
 public:
  virtual ~Selector() = default;

  virtual void attach(const TrainingPool& pool) = 0;
  virtual EpochPlan plan_epoch(int64_t epoch) = 0;
  // indices [b] int64; probabilities and losses [b, q], detached, from the training forward pass.
  virtual void observe(const torch::Tensor& indices, const torch::Tensor& probabilities,
                       const torch::Tensor& losses) {
    (void)indices, (void)probabilities, (void)losses;
  }
  virtual void end_epoch(int64_t epoch) { (void)epoch; }
  // Per-epoch scalars for the report (selection pressure, entropy, ...), after end_epoch.
  virtual std::map<std::string, double> diagnostics() const { return {}; }
};

// What the registry builds: the selector and the identity the report records with it.
struct SelectorBuild {
  std::unique_ptr<Selector> selector;
  std::string version;  // changes whenever the selector's code changes meaning
};

using SelectorRegistry = Registry<SelectorBuild, const Params&>;

// A fresh random permutation of [0, n) cut into batches of `batch_size` (the last one smaller):
// the uniform plan, shared by every selector that shuffles (warm-up epochs included).
EpochPlan permutation_plan(int64_t n, int64_t batch_size, at::Generator& generator);

}  // namespace d2ace
