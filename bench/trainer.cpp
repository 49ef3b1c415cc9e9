#include "bench/trainer.h"

#include <c10/core/InferenceMode.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace d2ace {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
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

}  // namespace

CheckpointPolicy parse_checkpoint(const std::string& name) {
  if (name == "best") return CheckpointPolicy::kBest;
  if (name == "last") return CheckpointPolicy::kLast;
  throw InputError("unknown checkpoint policy '" + name + "' (expected best or last)");
}

const char* to_string(CheckpointPolicy c) { return c == CheckpointPolicy::kBest ? "best" : "last"; }

torch::Tensor predict_probabilities(MultiLabelModel& model, const torch::Tensor& X, int64_t chunk) {
  torch::NoGradGuard guard;
  model.eval();
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < X.size(0); start += chunk)
    parts.push_back(
        torch::sigmoid(model.forward(X.slice(0, start, std::min(X.size(0), start + chunk)))));
  model.train();
  return torch::cat(parts);
}

TrainingResult train_and_test(MultiLabelModel& model, Selector& selector, const TrainingPool& pool,
                              const EvalData& validation, const EvalData& test,
                              const TrainerConfig& config, const EpochCallback& on_epoch) {
  TrainingResult result;
  Timings& t = result.timings;
  const int64_t n = pool.size();
  const int64_t steps_per_epoch = (n + config.batch_size - 1) / config.batch_size;
  const int64_t warm_steps =
      static_cast<int64_t>(std::llround(config.lr_warmup_epochs * steps_per_epoch));
  // One Adam group per model parameter group; a group's learning rate is its scale times the
  // schedule's (DELA trains its gates at 0.8 times the rate).
  std::vector<double> lr_scales;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (ParameterGroup& g : model.parameter_groups()) {
    if (g.parameters.empty()) continue;
    lr_scales.push_back(g.lr_scale);
    groups.emplace_back(g.parameters,
                        std::make_unique<torch::optim::AdamOptions>(
                            torch::optim::AdamOptions(config.learning_rate * g.lr_scale)
                                .weight_decay(config.weight_decay)));
  }
  torch::optim::Adam optimizer(
      std::move(groups),
      torch::optim::AdamOptions(config.learning_rate).weight_decay(config.weight_decay));
  auto set_lr = [&](double lr) {
    for (size_t k = 0; k < optimizer.param_groups().size(); ++k)
      static_cast<torch::optim::AdamOptions&>(optimizer.param_groups()[k].options())
          .lr(lr * lr_scales[k]);
  };

  auto t0 = Clock::now();
  // Selector state never needs gradients: every selector call runs in inference mode, which skips
  // autograd bookkeeping (the per-op overhead that dominates small batches).
  {
    c10::InferenceMode selection;
    selector.attach(pool);
  }
  t.neighbour_search = selector.neighbour_search_seconds();
  t.plan += since(t0) - t.neighbour_search;

  const bool has_validation = validation.X.defined() && validation.X.size(0) > 0;
  const Observation needs = selector.needs();
  double best_auc = -std::numeric_limits<double>::infinity();
  std::vector<torch::Tensor> best_state;
  int64_t step = 0;
  model.train();
  for (int64_t epoch = 0; epoch < config.epochs; ++epoch) {
    EpochRecord rec;
    rec.epoch = epoch;
    auto epoch_start = Clock::now();

    t0 = Clock::now();
    EpochPlan plan = [&] {
      c10::InferenceMode selection;
      return selector.plan_epoch(epoch);
    }();
    rec.plan_seconds = since(t0);

    double loss_sum = 0;
    for (const torch::Tensor& batch : plan.batches) {
      ++step;
      double lr = warm_steps > 0
                      ? config.learning_rate * std::min(1.0, static_cast<double>(step) / warm_steps)
                      : config.learning_rate;
      set_lr(lr);
      rec.learning_rate = lr;
      t0 = Clock::now();
      torch::Tensor x = pool.X.index_select(0, batch);
      torch::Tensor y = pool.Y.index_select(0, batch);
      TrainingOutput out = model.training_forward(x, y);
      optimizer.zero_grad();
      out.loss.backward();
      optimizer.step();
      double loss = out.loss.item<double>();
      t.training += since(t0);
      if (!std::isfinite(loss)) {
        result.status = RunStatus::kDiverged;
        result.message = "training loss became " + std::to_string(loss) + " at epoch " +
                         std::to_string(epoch) + ", step " + std::to_string(step);
        break;
      }
      loss_sum += loss;
      ++rec.steps;
      t0 = Clock::now();
      if (needs != Observation::kNothing) {
        c10::InferenceMode selection;
        torch::Tensor probabilities;
        if (needs == Observation::kProbabilitiesAndLosses)
          probabilities = torch::sigmoid(out.logits.detach());
        selector.observe(batch, probabilities, out.loss_matrix.detach());
      }
      rec.observe_seconds += since(t0);
    }
    if (result.status == RunStatus::kDiverged) break;
    rec.train_loss = rec.steps > 0 ? loss_sum / rec.steps : kNaN;
    if (!plan.batches.empty())
      rec.distinct_instances =
          torch::bincount(torch::cat(plan.batches), {}, n).count_nonzero().item<int64_t>();

    if (selector.wants_pool_predictions(epoch)) {
      t0 = Clock::now();
      c10::InferenceMode selection;
      model.eval();
      std::vector<torch::Tensor> probs, losses;
      for (int64_t start = 0; start < n; start += config.eval_batch_size) {
        const int64_t end = std::min(n, start + config.eval_batch_size);
        TrainingOutput out =
            model.training_forward(pool.X.slice(0, start, end), pool.Y.slice(0, start, end));
        probs.push_back(torch::sigmoid(out.logits));
        losses.push_back(out.loss_matrix);
      }
      model.train();
      selector.observe_pool(torch::cat(probs), torch::cat(losses));
      rec.rescore_seconds = since(t0);
    }
    t0 = Clock::now();
    {
      c10::InferenceMode selection;
      selector.end_epoch(epoch);
    }
    rec.end_epoch_seconds = since(t0);
    rec.selector = selector.diagnostics();
    t.plan += rec.plan_seconds;
    t.observe += rec.observe_seconds;
    t.end_epoch += rec.end_epoch_seconds;
    t.rescore += rec.rescore_seconds;

    t0 = Clock::now();
    rec.val_loss = rec.val_macro_auc = kNaN;
    if (has_validation) {
      torch::Tensor p = predict_probabilities(model, validation.X, config.eval_batch_size);
      rec.val_macro_auc = macro_auc(p, validation.Y);
      rec.val_loss =
          torch::binary_cross_entropy(p.clamp(1e-7, 1 - 1e-7), validation.Y).item<double>();
    }
    t.evaluation += since(t0);
    // Keep the best validation macro-AUC (first best on ties); NaN AUC never counts as best.
    if (config.checkpoint == CheckpointPolicy::kBest && has_validation &&
        rec.val_macro_auc > best_auc) {
      best_auc = rec.val_macro_auc;
      best_state = snapshot(model);
      result.best_epoch = epoch;
    }
    rec.seconds = since(epoch_start);
    result.epochs.push_back(rec);
    if (on_epoch) on_epoch(rec);
  }
  if (result.status == RunStatus::kDiverged) return result;
  if (!best_state.empty())
    restore(model, best_state);
  else
    result.best_epoch = config.epochs - 1;

  t0 = Clock::now();
  torch::Tensor p = predict_probabilities(model, test.X, config.eval_batch_size);
  result.test = evaluate(p, test.Y, config.threshold);
  t.evaluation += since(t0);
  return result;
}

}  // namespace d2ace
