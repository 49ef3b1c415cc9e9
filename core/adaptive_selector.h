// The common shape of the adaptive selectors: `warmup` epochs of uniform permutations, then, each
// epoch, ceil(N/b) independent batches (no duplicates inside a batch) drawn from a distribution
// over the pool that the selector rebuilt at the end of the previous epoch.
//
// A subclass implements rescore(next_epoch): the distribution for epoch `next_epoch`, from its
// state (training dynamics, ...), through the shared distributions of core/sampling.h. The base
// draws the batches, and reports per epoch the pressure and normalised entropy of the distribution
// in force during that epoch (1 and 1 for uniform epochs) plus whatever the subclass records with
// record().
#pragma once

#include <ATen/core/Generator.h>

#include "core/sampling.h"
#include "core/selector.h"

namespace d2ace {

class AdaptiveSelector : public Selector {
 public:
  void attach(const TrainingPool& pool) final;
  EpochPlan plan_epoch(int64_t epoch) final;
  void end_epoch(int64_t epoch) final;
  std::map<std::string, double> diagnostics() const final { return diagnostics_; }

 protected:
  explicit AdaptiveSelector(int64_t warmup) : warmup_(warmup) {}

  virtual void on_attach(const TrainingPool& pool) { (void)pool; }
  // The plan of a warm-up epoch; default a fresh permutation each epoch.
  virtual EpochPlan warmup_plan(int64_t epoch, at::Generator& generator);
  // Per-epoch work before rescoring (e.g. refresh state); default none.
  virtual void on_end_epoch(int64_t epoch) { (void)epoch; }
  // The distribution (double [N], positive, sum 1) for epoch `next_epoch`, and its pressure.
  struct Distribution {
    torch::Tensor p;
    double pressure = 1.0;
  };
  virtual Distribution rescore(int64_t next_epoch) = 0;

  // A per-epoch value for the report (about the distribution being built).
  void record(const std::string& name, double value) { pending_[name] = value; }

  const TrainingPool& pool() const { return pool_; }
  int64_t warmup() const { return warmup_; }

 private:
  int64_t warmup_;
  TrainingPool pool_;
  at::Generator generator_;
  Distribution next_;       // built at the end of the previous epoch
  Distribution current_;    // in force this epoch
  bool current_uniform_ = true;
  std::map<std::string, double> pending_, next_extra_, current_extra_, diagnostics_;
};

}  // namespace d2ace
