// The common shape of the adaptive selectors: `warmup` epochs of uniform permutations, then, each
// epoch, ceil(N/b) independent batches (no duplicates inside a batch) drawn from a distribution
// over the pool that the selector rebuilt at the end of the previous epoch.
//
// A subclass implements rescore(next_epoch): the distribution for epoch `next_epoch`, from its
// state (training dynamics, ...), through the shared distributions of core/sampling.h. The base
// draws the batches, and reports per epoch the pressure and normalised entropy of the distribution
// in force during that epoch (1 and 1 for uniform epochs) plus the values the subclass put in the
// distribution's own `diagnostics`.
//
// The pressure of epoch e is pressure_at(e): the config's SelectionSchedule decaying over the run,
// unless the subclass sets another in on_attach (online-batch's whole-run schedule).
//
// DynamicsSelector is the adaptive selector whose per-instance state is one TrainingDynamics,
// updated at every step: what every baseline with a window or a loss memory, and D2ACE, build on.
#pragma once

#include <ATen/core/Generator.h>

#include "core/sampling.h"
#include "core/selection_pressure.h"
#include "core/selector.h"
#include "core/training_dynamics.h"

namespace d2ace {

class AdaptiveSelector : public Selector {
 public:
  void attach(const TrainingPool& pool) final;
  EpochPlan plan_epoch(int64_t epoch) final;
  void end_epoch(int64_t epoch) final;
  std::map<std::string, double> diagnostics() const final { return diagnostics_; }

 protected:
  explicit AdaptiveSelector(SelectionSchedule schedule) : schedule_(schedule) {}
  // No pressure of its own (Active Bias, uniform-iid): warm-up only.
  explicit AdaptiveSelector(int64_t warmup) : schedule_{1, warmup} {}

  virtual void on_attach(const TrainingPool& pool) { (void)pool; }
  // The plan of a warm-up epoch; default a fresh permutation each epoch.
  virtual EpochPlan warmup_plan(int64_t epoch, at::Generator& generator);
  // The distribution (double [N], positive, sum 1) for epoch `next_epoch`, its pressure, and
  // per-epoch values about it for the report.
  struct Distribution {
    torch::Tensor p;
    double pressure = 1.0;
    std::map<std::string, double> diagnostics;
  };
  virtual Distribution rescore(int64_t next_epoch) = 0;

  const TrainingPool& pool() const { return pool_; }
  double pressure_at(int64_t epoch) const { return pressure_.at(epoch); }
  void set_pressure(SelectionPressure pressure) { pressure_ = pressure; }

 private:
  SelectionSchedule schedule_;
  SelectionPressure pressure_;  // built from schedule_ when the pool is attached
  TrainingPool pool_;
  at::Generator generator_;
  Distribution next_;     // built at the end of the previous epoch
  Distribution current_;  // in force this epoch
  bool current_uniform_ = true;
  std::map<std::string, double> diagnostics_;
};

class DynamicsSelector : public AdaptiveSelector {
 public:
  void observe(const torch::Tensor& idx, const torch::Tensor& p, const torch::Tensor& l) override {
    dynamics_.update(idx, p, l);
  }

 protected:
  DynamicsSelector(SelectionSchedule schedule, DynamicsOptions options)
      : AdaptiveSelector(schedule), options_(options) {}
  // Builds the dynamics for the pool; a subclass that overrides this calls it first.
  void on_attach(const TrainingPool& pool) override;
  const TrainingDynamics& dynamics() const { return dynamics_; }

 private:
  DynamicsOptions options_;
  TrainingDynamics dynamics_;
};

}  // namespace d2ace
