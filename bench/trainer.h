// The trainer: runs one cell's training loop with a selector, validates every epoch, keeps the
// best checkpoint and tests it.
//
//   for each epoch e:
//     plan = selector.plan_epoch(e)
//     for each batch: forward (train mode) -> per-entry loss -> backward -> Adam step
//                     -> selector.observe(indices, probabilities, losses)
//     selector.end_epoch(e)
//     validation macro-AUC -> keep the best weights (a deep copy)
//   test with the kept weights.
//
// Adam with (coupled, PyTorch-style) weight decay, over the model's parameter groups (DELA trains
// its gates at 0.8 times the rate) or over one group of every parameter (`single_param_group`, the
// released D2ACE loop). The learning rate rises linearly over the first `lr_warmup_epochs` epochs'
// worth of steps (or `lr_warmup_steps` steps when set), then stays constant, or steps down by
// `lr_decay_ratio` `lr_decay_times` times, evenly spaced over the epochs (MPVAE's schedule). The
// test's bipartition metrics use the threshold rule: fixed, or chosen on the validation part with
// the tested weights (core/thresholds.h). The timing split separates
// training (forward, backward, step), selection (plan / observe / pool rescoring / end of epoch)
// and evaluation.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/selector.h"
#include "core/thresholds.h"
#include "models/model.h"

namespace d2ace {

enum class CheckpointPolicy { kBest, kLast };

// When to end training early (--stop-at), for time-to-accuracy studies: after the first epoch
// whose validation macro-AUC is >= value (metric "macro_auc") or whose validation loss is <= value
// (metric "loss"). The checkpoint policy then applies to the epochs run.
struct StopRule {
  std::string metric;  // empty: never stop early
  double value = 0;
  bool active() const { return !metric.empty(); }
  bool reached(double val_macro_auc, double val_loss) const;
  std::string text() const;  // "macro_auc=0.72"
};
// Parses "macro_auc=X" or "loss=X" (InputError naming --stop-at otherwise).
StopRule parse_stop_rule(const std::string& text);
CheckpointPolicy parse_checkpoint(const std::string& name);
const char* to_string(CheckpointPolicy c);

struct TrainerConfig {
  int64_t epochs = 30;
  int64_t batch_size = 128;
  double learning_rate = 1e-3;
  double weight_decay = 1e-4;
  double lr_warmup_epochs = 1.0;
  int64_t lr_warmup_steps = -1;  // >= 0: the warm-up's length in steps, over lr_warmup_epochs
  double lr_decay_ratio = 1.0;   // step decay: the rate times ratio^floor(epoch * times / epochs)
  int64_t lr_decay_times = 0;
  bool single_param_group = false;  // one Adam group over every parameter (no per-group scales)
  CheckpointPolicy checkpoint = CheckpointPolicy::kBest;
  ThresholdRule threshold;
  int64_t eval_batch_size = 4096;
  StopRule stop_at;
};

struct EpochRecord {
  int64_t epoch = 0;
  double learning_rate = 0;     // at the epoch's last step
  double train_loss = 0;        // mean training loss over the epoch's steps
  double val_loss = 0;          // NaN without a validation part
  double val_macro_auc = 0;     // NaN without a validation part
  double seconds = 0;           // the epoch's wall time: training, selection and validation
  double training_seconds = 0;  // forward, backward and optimiser steps of this epoch
  // Cumulative cost at the epoch's end: every training and selection second so far, the
  // selector's one-off neighbour search included (validation excluded). Time to accuracy reads it.
  double elapsed_seconds = 0;
  int64_t steps = 0;
  int64_t distinct_instances = 0;  // distinct pool rows drawn this epoch
  double plan_seconds = 0, observe_seconds = 0, rescore_seconds = 0, end_epoch_seconds = 0;
  std::map<std::string, double> selector;  // the selector's diagnostics after end_epoch
};

struct Timings {
  double training = 0;  // forward, backward, optimiser step
  double plan = 0, observe = 0, end_epoch = 0;
  double rescore = 0;           // eval-mode forward passes over the pool for the selector
  double neighbour_search = 0;  // the selector's one-off kNN (not part of selection())
  double evaluation = 0;        // validation every epoch and the final test
  double selection() const { return plan + observe + rescore + end_epoch; }
};

enum class RunStatus { kDone, kDiverged };

struct TrainingResult {
  RunStatus status = RunStatus::kDone;
  std::string message;
  std::vector<EpochRecord> epochs;
  int64_t best_epoch = -1;     // the epoch whose weights were tested
  int64_t stopped_epoch = -1;  // the epoch after which the stop rule ended training (-1: never)
  Evaluation test;
  std::vector<double> thresholds;  // what `test` was thresholded at: one value, or one per label
  Evaluation test_at_default;      // a tuned rule's test at 0.5, for comparison (empty otherwise)
  Timings timings;
};

struct EvalData {
  torch::Tensor X, Y;
};

// Called after every epoch (progress display).
using EpochCallback = std::function<void(const EpochRecord&)>;

TrainingResult train_and_test(MultiLabelModel& model, Selector& selector, const TrainingPool& pool,
                              const EvalData& validation, const EvalData& test,
                              const TrainerConfig& config, const EpochCallback& on_epoch = {});

// Sigmoid probabilities of `model` on X, in eval mode without gradients, in chunks.
torch::Tensor predict_probabilities(MultiLabelModel& model, const torch::Tensor& X, int64_t chunk);

}  // namespace d2ace
