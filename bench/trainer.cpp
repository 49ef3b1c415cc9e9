#include "bench/trainer.h"

#include <c10/core/InferenceMode.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/error.h"
#include "core/timing.h"

namespace d2ace {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A deep copy of every parameter and buffer (the released code's shallow copy is quirk Q1).
std::vector<torch::Tensor> snapshot(MultiLabelModel& model) {
  std::vector<torch::Tensor> out;
  torch::NoGradGuard guard;
  for (const auto& p : model.parameters()) out.push_back(p.detach().clone());
  for (const auto& b : model.buffers()) out.push_back(b.detach().clone());
  return out;
}

void restore(MultiLabelModel& model, const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard guard;
  size_t k = 0;
  for (auto& p : model.parameters()) p.copy_(state[k++]);
  for (auto& b : model.buffers()) b.copy_(state[k++]);
}

// Calls `body(start, end)` over the rows [0, n) in chunks of `chunk`, with the model in eval mode;
// the model is back in train mode afterwards. The caller chooses the gradient mode.
template <class Body>
void for_each_chunk_in_eval(MultiLabelModel& model, int64_t n, int64_t chunk, Body body) {
  model.eval();
  for (int64_t start = 0; start < n; start += chunk) body(start, std::min(n, start + chunk));
  model.train();
}

// Adam with one parameter group per model parameter group; a group's learning rate is its scale
// times the schedule's (DELA trains its gates at 0.8 times the rate).
class ScheduledAdam {
 public:
  ScheduledAdam(MultiLabelModel& model, const TrainerConfig& config)
      : optimizer_(
            groups(model, config),
            torch::optim::AdamOptions(config.learning_rate).weight_decay(config.weight_decay)) {}

  void set_learning_rate(double lr) {
    for (size_t k = 0; k < optimizer_.param_groups().size(); ++k)
      static_cast<torch::optim::AdamOptions&>(optimizer_.param_groups()[k].options())
          .lr(lr * scales_[k]);
  }
  void step(const torch::Tensor& loss) {
    optimizer_.zero_grad();
    loss.backward();
    optimizer_.step();
  }

 private:
  std::vector<torch::optim::OptimizerParamGroup> groups(MultiLabelModel& model,
                                                        const TrainerConfig& config) {
    std::vector<torch::optim::OptimizerParamGroup> out;
    const std::vector<ParameterGroup> model_groups =
        config.single_param_group ? std::vector<ParameterGroup>{{model.parameters(), 1.0}}
                                  : model.parameter_groups();
    for (const ParameterGroup& g : model_groups) {
      if (g.parameters.empty()) continue;
      scales_.push_back(g.lr_scale);
      out.emplace_back(g.parameters,
                       std::make_unique<torch::optim::AdamOptions>(
                           torch::optim::AdamOptions(config.learning_rate * g.lr_scale)
                               .weight_decay(config.weight_decay)));
    }
    return out;
  }

  std::vector<double> scales_;  // filled by groups() before optimizer_ is built
  torch::optim::Adam optimizer_;
};

// Batches per epoch: the last one may be smaller.
int64_t steps_per_epoch(int64_t pool_size, const TrainerConfig& config) {
  return (pool_size + config.batch_size - 1) / config.batch_size;
}

// One cell's training loop, one named step per concern; train_and_test runs it.
class TrainingLoop {
 public:
  TrainingLoop(MultiLabelModel& model, Selector& selector, const TrainingPool& pool,
               const EvalData& validation, const TrainerConfig& config)
      : model_(model),
        selector_(selector),
        pool_(pool),
        validation_(validation),
        config_(config),
        optimizer_(model, config),
        warm_steps_(config.lr_warmup_steps >= 0
                        ? config.lr_warmup_steps
                        : std::llround(config.lr_warmup_epochs *
                                       static_cast<double>(steps_per_epoch(pool.size(), config)))),
        needs_(selector.needs()) {}

  TrainingResult run(const EvalData& test, const EpochCallback& on_epoch) {
    attach_selector();
    model_.train();
    for (int64_t epoch = 0; epoch < config_.epochs; ++epoch) {
      EpochRecord rec = train_epoch(epoch);
      if (result_.status == RunStatus::kDiverged) {
        result_.timings.training += rec.training_seconds;
        return std::move(result_);
      }
      after_epoch(epoch, rec);
      if (result_.status == RunStatus::kDiverged) return std::move(result_);
      validate(rec);
      keep_if_best(epoch, rec);
      result_.epochs.push_back(rec);
      if (on_epoch) on_epoch(rec);
      if (config_.stop_at.active() && config_.stop_at.reached(rec.val_macro_auc, rec.val_loss)) {
        result_.stopped_epoch = epoch;
        break;
      }
    }
    if (!best_state_.empty())
      restore(model_, best_state_);
    else
      result_.best_epoch = static_cast<int64_t>(result_.epochs.size()) - 1;
    test_with_thresholds(test);
    return std::move(result_);
  }

 private:
  // The learning rate at a 1-based step of a 0-based epoch: linear warm-up over warm_steps_, then
  // constant, times the step decay's factor.
  double learning_rate_at(int64_t step, int64_t epoch) const {
    double lr = config_.learning_rate;
    if (config_.lr_decay_times > 0) {
      const int64_t decays = epoch * config_.lr_decay_times / config_.epochs;  // floor
      lr *= std::pow(config_.lr_decay_ratio, static_cast<double>(decays));
    }
    if (warm_steps_ <= 0) return lr;
    return lr * std::min(1.0, static_cast<double>(step) / warm_steps_);
  }

  // The test with the kept weights, at the rule's thresholds (chosen on the validation part for a
  // tuned rule, which then also reports the test at 0.5).
  void test_with_thresholds(const EvalData& test) {
    ScopedTimer timer(&result_.timings.evaluation);
    const torch::Tensor scores = predict_probabilities(model_, test.X, config_.eval_batch_size);
    if (config_.threshold.tuned()) {
      result_.thresholds = choose_thresholds(
          config_.threshold, predict_probabilities(model_, validation_.X, config_.eval_batch_size),
          validation_.Y);
      result_.test_at_default = evaluate(scores, test.Y, 0.5);
    } else {
      result_.thresholds = {config_.threshold.value};
    }
    result_.test = evaluate(scores, test.Y, result_.thresholds);
  }

  // The selector's one-off set-up; its kNN is reported apart from the plan time. Every selector
  // call runs in inference mode, which skips autograd bookkeeping (the per-op overhead that
  // dominates small batches).
  void attach_selector() {
    Timings& t = result_.timings;
    const auto start = Clock::now();
    {
      c10::InferenceMode selection;
      selector_.attach(pool_);
    }
    t.neighbour_search = selector_.neighbour_search_seconds();
    t.plan += seconds_since(start) - t.neighbour_search;
  }

  // Plan, then forward -> loss -> backward -> step -> observe for each batch. Sets the result's
  // status on a non-finite loss.
  EpochRecord train_epoch(int64_t epoch) {
    EpochRecord rec;
    rec.epoch = epoch;
    epoch_start_ = Clock::now();
    EpochPlan plan;
    {
      ScopedTimer timer(&rec.plan_seconds);
      c10::InferenceMode selection;
      plan = selector_.plan_epoch(epoch);
    }
    if (!plan.weights.empty() && plan.weights.size() != plan.batches.size())
      throw std::logic_error("a selector's plan has " + std::to_string(plan.weights.size()) +
                             " weight tensors for " + std::to_string(plan.batches.size()) +
                             " batches");
    double loss_sum = 0;
    for (size_t k = 0; k < plan.batches.size(); ++k) {
      const torch::Tensor& batch = plan.batches[k];
      // Plans are made in inference mode; autograd needs a normal tensor (a [b] copy).
      const torch::Tensor weights =
          plan.weights.empty() ? torch::Tensor() : plan.weights[k].clone();
      rec.learning_rate = learning_rate_at(++step_, epoch);
      optimizer_.set_learning_rate(rec.learning_rate);
      TrainingOutput out;
      double loss = 0;
      {
        ScopedTimer timer(&rec.training_seconds);
        out = model_.training_forward(pool_.X.index_select(0, batch),
                                      pool_.Y.index_select(0, batch), weights);
        optimizer_.step(out.loss);
        loss = out.loss.item<double>();
      }
      if (!std::isfinite(loss)) {
        result_.status = RunStatus::kDiverged;
        result_.message = "training loss became " + std::to_string(loss) + " at epoch " +
                          std::to_string(epoch) + ", step " + std::to_string(step_);
        return rec;
      }
      loss_sum += loss;
      ++rec.steps;
      ScopedTimer timer(&rec.observe_seconds);
      observe(batch, out);
    }
    rec.train_loss = rec.steps > 0 ? loss_sum / rec.steps : kNaN;
    if (!plan.batches.empty())
      rec.distinct_instances = torch::bincount(torch::cat(plan.batches), {}, pool_.size())
                                   .count_nonzero()
                                   .item<int64_t>();
    return rec;
  }

  void observe(const torch::Tensor& batch, const TrainingOutput& out) {
    if (needs_ == Observation::kNothing) return;
    c10::InferenceMode selection;
    torch::Tensor probabilities;
    if (needs_ == Observation::kProbabilitiesAndLosses)
      probabilities = torch::sigmoid(out.logits.detach());
    selector_.observe(batch, probabilities, out.loss_matrix.detach());
  }

  // An eval-mode pass over the whole pool for selectors that rescore from fresh predictions. A
  // non-finite loss (finite weights can still overflow) ends the run as diverged instead of
  // reaching the selector.
  void rescore_pool(int64_t epoch) {
    c10::InferenceMode selection;
    std::vector<torch::Tensor> probs, losses;
    for_each_chunk_in_eval(model_, pool_.size(), config_.eval_batch_size,
                           [&](int64_t start, int64_t end) {
                             TrainingOutput out = model_.training_forward(
                                 pool_.X.slice(0, start, end), pool_.Y.slice(0, start, end), {});
                             probs.push_back(torch::sigmoid(out.logits));
                             losses.push_back(out.loss_matrix);
                           });
    const torch::Tensor loss_matrix = torch::cat(losses);
    if (!torch::isfinite(loss_matrix).all().item<bool>()) {
      result_.status = RunStatus::kDiverged;
      result_.message =
          "the pool's rescored loss became non-finite after epoch " + std::to_string(epoch);
      return;
    }
    selector_.observe_pool(torch::cat(probs), loss_matrix);
  }

  // Pool rescoring and the selector's end of epoch, timed into the record and the totals; a
  // non-finite rescored loss marks the run diverged and skips the end of epoch.
  void after_epoch(int64_t epoch, EpochRecord& rec) {
    if (selector_.wants_pool_predictions(epoch)) {
      ScopedTimer timer(&rec.rescore_seconds);
      rescore_pool(epoch);
    }
    if (result_.status != RunStatus::kDiverged) {
      {
        ScopedTimer timer(&rec.end_epoch_seconds);
        c10::InferenceMode selection;
        selector_.end_epoch(epoch);
      }
      rec.selector = selector_.diagnostics();
    }
    Timings& t = result_.timings;
    t.training += rec.training_seconds;
    t.plan += rec.plan_seconds;
    t.observe += rec.observe_seconds;
    t.end_epoch += rec.end_epoch_seconds;
    t.rescore += rec.rescore_seconds;
    rec.elapsed_seconds = t.training + t.selection() + t.neighbour_search;
  }

  // Validation macro-AUC and loss (NaN without a validation part).
  void validate(EpochRecord& rec) {
    ScopedTimer timer(&result_.timings.evaluation);
    rec.val_loss = rec.val_macro_auc = kNaN;
    if (!has_validation()) return;
    torch::Tensor p = predict_probabilities(model_, validation_.X, config_.eval_batch_size);
    rec.val_macro_auc = macro_auc(p, validation_.Y);
    rec.val_loss =
        torch::binary_cross_entropy(p.clamp(1e-7, 1 - 1e-7), validation_.Y).item<double>();
  }

  // Keeps the weights of the best validation macro-AUC (first best on ties; NaN never counts).
  void keep_if_best(int64_t epoch, EpochRecord& rec) {
    if (config_.checkpoint == CheckpointPolicy::kBest && has_validation() &&
        rec.val_macro_auc > best_auc_) {
      best_auc_ = rec.val_macro_auc;
      best_state_ = snapshot(model_);
      result_.best_epoch = epoch;
    }
    rec.seconds = seconds_since(epoch_start_);
  }

  bool has_validation() const { return validation_.X.defined() && validation_.X.size(0) > 0; }

  MultiLabelModel& model_;
  Selector& selector_;
  const TrainingPool& pool_;
  const EvalData& validation_;
  const TrainerConfig& config_;
  ScheduledAdam optimizer_;
  const int64_t warm_steps_;  // the warm-up's length: lr_warmup_epochs epochs of steps
  const Observation needs_;
  TrainingResult result_;
  int64_t step_ = 0;
  Clock::time_point epoch_start_;
  double best_auc_ = -std::numeric_limits<double>::infinity();
  std::vector<torch::Tensor> best_state_;
};

}  // namespace

CheckpointPolicy parse_checkpoint(const std::string& name) {
  if (name == "best") return CheckpointPolicy::kBest;
  if (name == "last") return CheckpointPolicy::kLast;
  throw InputError("unknown checkpoint policy '" + name + "' (expected best or last)");
}

const char* to_string(CheckpointPolicy c) { return c == CheckpointPolicy::kBest ? "best" : "last"; }

bool StopRule::reached(double val_macro_auc, double val_loss) const {
  if (metric == "macro_auc") return val_macro_auc >= value;  // NaN never reaches
  if (metric == "loss") return val_loss <= value;
  return false;
}

std::string StopRule::text() const {
  return metric + '=' + nlohmann::json(value).dump();  // the shortest text that reads back exactly
}

StopRule parse_stop_rule(const std::string& text) {
  const auto eq = text.find('=');
  const std::string metric = text.substr(0, eq);
  const std::string expected = " (expected macro_auc=X or loss=X, on the validation part)";
  if (eq == std::string::npos || (metric != "macro_auc" && metric != "loss"))
    throw InputError("--stop-at '" + text + "': unknown rule" + expected);
  const std::string number = text.substr(eq + 1);
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != number.size() || !std::isfinite(value))
    throw InputError("--stop-at '" + text + "': '" + number + "' is not a number" + expected);
  return {metric, value};
}

torch::Tensor predict_probabilities(MultiLabelModel& model, const torch::Tensor& X, int64_t chunk) {
  torch::NoGradGuard guard;
  std::vector<torch::Tensor> parts;
  for_each_chunk_in_eval(model, X.size(0), chunk, [&](int64_t start, int64_t end) {
    parts.push_back(torch::sigmoid(model.forward(X.slice(0, start, end))));
  });
  return torch::cat(parts);
}

TrainingResult train_and_test(MultiLabelModel& model, Selector& selector, const TrainingPool& pool,
                              const EvalData& validation, const EvalData& test,
                              const TrainerConfig& config, const EpochCallback& on_epoch) {
  return TrainingLoop(model, selector, pool, validation, config).run(test, on_epoch);
}

}  // namespace d2ace
