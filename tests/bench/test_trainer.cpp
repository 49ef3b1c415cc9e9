// bench/trainer and bench/experiment: the loop meets the Selector contract, training learns,
// runs reproduce bit for bit, the checkpoint policy holds, divergence is reported.
#include "tests/catch.h"

#include <torch/nn/modules/linear.h>

#include "bench/experiment.h"
#include "core/error.h"
#include "models/mlp.h"
#include "tests/support.h"

using namespace d2ace;

namespace {

ExperimentConfig small_config() {
  return test::fold0_experiment("synthetic:n=400,d=20,q=5", 6, 32);
}

// Records what the trainer hands a selector; plans uniform permutations.
class RecordingSelector : public Selector {
 public:
  void attach(const TrainingPool& pool) override {
    n = pool.size();
    q = pool.Y.size(1);
    batch = pool.batch_size;
    generator = at::detail::createCPUGenerator(pool.seed);
  }
  EpochPlan plan_epoch(int64_t) override { return permutation_plan(n, batch, generator); }
  void observe(const torch::Tensor& idx, const torch::Tensor& p, const torch::Tensor& l) override {
    CHECK(idx.dim() == 1);
    CHECK(p.sizes() == torch::IntArrayRef({idx.size(0), q}));
    CHECK(l.sizes() == torch::IntArrayRef({idx.size(0), q}));
    CHECK((p >= 0).all().item<bool>());
    CHECK((p <= 1).all().item<bool>());
    CHECK_FALSE(l.requires_grad());
    seen += idx.size(0);
  }
  void end_epoch(int64_t) override { ++epochs_ended; }
  std::map<std::string, double> diagnostics() const override { return {{"ended", epochs_ended}}; }
  int64_t n = 0, q = 0, batch = 0, seen = 0;
  int epochs_ended = 0;
  at::Generator generator;
};

// A model whose loss turns NaN on its third step.
class NanModel : public MultiLabelModel {
 public:
  explicit NanModel(int64_t d, int64_t q) {
    linear = register_module("l", torch::nn::Linear(d, q));
  }
  torch::Tensor forward(const torch::Tensor& x) override { return linear(x); }
  TrainingOutput training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                  const torch::Tensor&) override {
    TrainingOutput out;
    out.logits = forward(x);
    out.loss_matrix = bce_loss_matrix(out.logits, y);
    out.loss = ++steps >= 3 ? out.loss_matrix.mean() * std::nan("") : out.loss_matrix.mean();
    return out;
  }
  torch::nn::Linear linear{nullptr};
  int steps = 0;
};

}  // namespace

TEST_CASE("trainer: the selector sees every step and reports its diagnostics", "[trainer]") {
  torch::manual_seed(1);
  TrainingPool pool;
  pool.X = torch::rand({100, 4});
  pool.Y = (torch::rand({100, 3}) < 0.4).to(torch::kFloat);
  pool.batch_size = 16;
  pool.seed = 5;
  Mlp model(ModelShape{4, 3, {}, 0, {}}, MlpOptions{{8}, 0.0});
  RecordingSelector selector;
  TrainerConfig cfg;
  cfg.epochs = 3;
  EvalData val{pool.X.slice(0, 0, 20), pool.Y.slice(0, 0, 20)};
  TrainingResult r = train_and_test(*model, selector, pool, val, val, cfg);
  CHECK(r.status == RunStatus::kDone);
  CHECK(selector.seen == 300);
  CHECK(selector.epochs_ended == 3);
  REQUIRE(r.epochs.size() == 3);
  CHECK(r.epochs[0].steps == 7);
  CHECK(r.epochs[2].distinct_instances == 100);
  CHECK(r.epochs[2].selector.at("ended") == 3);
  CHECK(r.test.instances == 20);
  // The cumulative cost grows by each epoch's training and selection and ends at the totals.
  double training = 0;
  for (size_t e = 0; e < r.epochs.size(); ++e) {
    training += r.epochs[e].training_seconds;
    CHECK(r.epochs[e].training_seconds > 0);
    if (e > 0) CHECK(r.epochs[e].elapsed_seconds > r.epochs[e - 1].elapsed_seconds);
  }
  CHECK(training == Approx(r.timings.training));
  CHECK(r.epochs.back().elapsed_seconds ==
        Approx(r.timings.training + r.timings.selection() + r.timings.neighbour_search));
}

TEST_CASE("trainer: training learns and the same config reproduces bit for bit", "[trainer]") {
  Registries reg;
  Experiment a(small_config(), reg);
  auto ra = a.run();
  REQUIRE(ra.size() == 1);
  REQUIRE(ra[0]["status"]["state"] == "done");
  const auto& loss = ra[0]["curves"]["train_loss"];
  CHECK(loss.back().get<double>() < loss.front().get<double>());
  CHECK(ra[0]["metrics"]["test"]["macro_auc"]["value"].get<double>() > 0.7);

  Experiment b(small_config(), reg);
  auto rb = b.run();
  CHECK(ra[0]["metrics"] == rb[0]["metrics"]);
  CHECK(ra[0]["curves"]["train_loss"] == rb[0]["curves"]["train_loss"]);
  CHECK(ra[0]["id"] == rb[0]["id"]);

  ExperimentConfig other = small_config();
  other.seed = 56;
  CHECK(Experiment(other, reg).run()[0]["curves"]["train_loss"] != ra[0]["curves"]["train_loss"]);
}

TEST_CASE("trainer: checkpoint policy", "[trainer]") {
  Registries reg;
  ExperimentConfig c = small_config();
  c.trainer.checkpoint = CheckpointPolicy::kLast;
  auto r = Experiment(c, reg).run();
  CHECK(r[0]["best_epoch"] == c.trainer.epochs - 1);
  c.trainer.checkpoint = CheckpointPolicy::kBest;
  auto best = Experiment(c, reg).run();
  const auto& auc = best[0]["curves"]["val_macro_auc"];
  int64_t argmax = 0;
  for (size_t e = 0; e < auc.size(); ++e)
    if (auc[e].get<double>() > auc[argmax].get<double>()) argmax = static_cast<int64_t>(e);
  CHECK(best[0]["best_epoch"] == argmax);
}

TEST_CASE("trainer: --stop-at ends training after the first epoch that reaches it", "[trainer]") {
  Registries reg;
  ExperimentConfig c = small_config();
  const auto full = Experiment(c, reg).run()[0];
  CHECK_FALSE(full.contains("stopped_epoch"));
  const auto& auc = full["curves"]["val_macro_auc"];
  // A target the full run first reaches at its third epoch: the same first three epochs, then stop.
  c.trainer.stop_at = parse_stop_rule("macro_auc=" + std::to_string(auc[2].get<double>() - 1e-9));
  size_t first = 0;
  while (auc[first].get<double>() < c.trainer.stop_at.value) ++first;
  const auto stopped = Experiment(c, reg).run()[0];
  CHECK(stopped["stopped_epoch"] == first);
  CHECK(stopped["curves"]["val_macro_auc"].size() == first + 1);
  for (size_t e = 0; e <= first; ++e) CHECK(stopped["curves"]["val_macro_auc"][e] == auc[e]);
  CHECK(stopped["identity"]["trainer"]["stop_at"].get<std::string>().rfind("macro_auc=", 0) == 0);
  CHECK(stopped["id"] != full["id"]);
  CHECK(parse_stop_rule("loss=0.25").reached(std::nan(""), 0.2));
  CHECK_FALSE(parse_stop_rule("macro_auc=0.5").reached(std::nan(""), 0.2));
  CHECK_THROWS_AS(parse_stop_rule("macro_auc=0.5x"), InputError);
}

TEST_CASE("trainer: a NaN loss stops the cell as diverged", "[trainer]") {
  TrainingPool pool;
  pool.X = torch::rand({64, 4});
  pool.Y = (torch::rand({64, 2}) < 0.5).to(torch::kFloat);
  pool.batch_size = 16;
  NanModel model(4, 2);
  RecordingSelector selector;
  TrainerConfig cfg;
  cfg.epochs = 3;
  EvalData val{pool.X, pool.Y};
  TrainingResult r = train_and_test(model, selector, pool, val, val, cfg);
  CHECK(r.status == RunStatus::kDiverged);
  CHECK_THAT(r.message, Catch::Contains("epoch 0, step 3"));
}

TEST_CASE("experiment: bad configuration fails before training", "[trainer][bad-input]") {
  Registries reg;
  auto fails = [&](auto edit, const std::string& what) {
    ExperimentConfig c = small_config();
    edit(c);
    CHECK_THROWS_WITH(Experiment(c, reg), Catch::Contains(what));
  };
  fails([](ExperimentConfig& c) { c.model = "resnet"; }, "unknown model 'resnet'");
  fails([](ExperimentConfig& c) { c.model = "cnn"; }, "model 'cnn' reads images");
  fails([](ExperimentConfig& c) { c.selector = "best"; }, "unknown selector 'best'");
  fails([](ExperimentConfig& c) { c.selector_params = {{"s0", "8"}}; }, "has no parameter 's0'");
  fails(
      [](ExperimentConfig& c) {
        c.model_params = {{"dropout", "1.5"}};
      },
      "dropout must be in [0, 1)");
  fails(
      [](ExperimentConfig& c) {
        c.model_params = {{"hidden", "a,b"}};
      },
      "not a comma-separated list");
  fails([](ExperimentConfig& c) { c.only_folds = {7}; }, "--fold 7 out of range");
  fails([](ExperimentConfig& c) { c.trainer.epochs = 0; }, "--epochs");
  fails([](ExperimentConfig& c) { c.dataset = "nosuchset"; }, "unknown dataset 'nosuchset'");
}

TEST_CASE("trainer: step decay, the warm-up's basis and one parameter group", "[trainer]") {
  Registries reg;
  ExperimentConfig c = small_config();
  c.trainer.lr_warmup_epochs = 0;
  c.trainer.lr_decay_ratio = 0.5;
  c.trainer.lr_decay_times = 2;  // 6 epochs: x1 for epochs 0-2, x0.5 for 3-5
  const auto decayed = Experiment(c, reg).run()[0];
  const auto& lr = decayed["curves"]["learning_rate"];
  REQUIRE(lr.size() == 6);
  for (int e = 0; e < 6; ++e) CHECK(lr[e].get<double>() == (e < 3 ? 1e-3 : 5e-4));
  CHECK(decayed["identity"]["trainer"]["lr_decay"]["times"] == 2);

  // The released loop's warm-up counts floor(N_fold / batch) steps an epoch, N_fold the training
  // part before the validation hold-out; ours ceil(pool / batch).
  c = small_config();
  c.trainer.lr_warmup_epochs = 2;
  const auto pool_basis = Experiment(c, reg).run()[0];
  c.lr_warmup_over_fold = true;
  const auto fold_basis = Experiment(c, reg).run()[0];
  const auto& split = fold_basis["identity"]["split"];
  const int64_t train = split["train"], validation = split["validation"], batch = 32;
  const int64_t pool_steps = (train + batch - 1) / batch;   // epoch 0's last step
  const int64_t fold_steps = (train + validation) / batch;  // whole batches of the fold
  const auto steps = static_cast<double>(pool_steps);
  CHECK(pool_basis["curves"]["learning_rate"][0].get<double>() ==
        Approx(1e-3 * std::min(1.0, steps / (2.0 * steps))));
  CHECK(fold_basis["curves"]["learning_rate"][0].get<double>() ==
        Approx(1e-3 * std::min(1.0, steps / (2.0 * static_cast<double>(fold_steps)))));
  CHECK(fold_basis["identity"]["trainer"]["lr_warmup_basis"] == "fold");
  CHECK_FALSE(pool_basis["identity"]["trainer"].contains("lr_warmup_basis"));

  // One group over every parameter: the MLP has one group anyway (the same numbers); DELA's gates
  // lose their 0.8 ratio (other numbers).
  c = small_config();
  const auto mlp_groups = Experiment(c, reg).run()[0];
  c.trainer.single_param_group = true;
  const auto mlp_single = Experiment(c, reg).run()[0];
  CHECK(mlp_single["metrics"]["test"] == mlp_groups["metrics"]["test"]);
  CHECK(mlp_single["identity"]["trainer"]["param_groups"] == "single");
  c.model = "dela";
  c.trainer.epochs = 2;
  const auto dela_single = Experiment(c, reg).run()[0];
  c.trainer.single_param_group = false;
  const auto dela_groups = Experiment(c, reg).run()[0];
  CHECK(dela_single["curves"]["train_loss"] != dela_groups["curves"]["train_loss"]);
}

TEST_CASE("trainer: a tuned threshold is chosen on validation; the test at 0.5 is kept",
          "[trainer]") {
  Registries reg;
  ExperimentConfig c = small_config();
  const auto fixed = Experiment(c, reg).run()[0];
  CHECK(fixed["metrics"]["threshold"] == 0.5);
  CHECK_FALSE(fixed["metrics"].contains("thresholds"));
  c.trainer.threshold = parse_threshold("tuned-per-label");
  const auto tuned = Experiment(c, reg).run()[0];
  const auto& m = tuned["metrics"];
  CHECK(m["threshold"] == "tuned-per-label");
  CHECK(m["thresholds"].size() == 5);
  CHECK(m["test_at_0_5"] == fixed["metrics"]["test"]);  // the same training, bit for bit
  CHECK(m["test"]["macro_auc"] == fixed["metrics"]["test"]["macro_auc"]);  // ranking untouched
  CHECK(tuned["id"] != fixed["id"]);
  c.validation_fraction = 0;
  CHECK_THROWS_WITH(Experiment(c, reg), Catch::Contains("chosen on the validation part"));
}
