// baselines: each selector's score on a small hand-computed example, warm-up, seeds, and a full
// run of every selector through the trainer.
#include "tests/catch.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "baselines/active_bias.h"
#include "baselines/hard_imbalance.h"
#include "baselines/infobatch.h"
#include "baselines/online_batch.h"
#include "baselines/recency_bias.h"
#include "baselines/uncertainty_correlation.h"
#include "bench/experiment.h"
#include "core/error.h"
#include "tests/support.h"

using namespace d2ace;

namespace {

TrainingPool pool_of(int64_t n, int64_t q, int64_t batch = 2, int64_t epochs = 20,
                     uint64_t seed = 3) {
  TrainingPool pool;
  torch::manual_seed(static_cast<int64_t>(seed));
  pool.X = torch::rand({n, 3});
  pool.Y = (torch::rand({n, q}) < 0.5).to(torch::kFloat);
  pool.batch_size = batch;
  pool.epochs = epochs;
  pool.seed = seed;
  return pool;
}

std::unique_ptr<Selector> build(const std::string& name,
                                std::map<std::string, std::string> params = {}) {
  static Registries reg;
  const auto& e = reg.selectors.get(name);
  return e.make(Params(name, e.params, params));
}

bool is_permutation(const EpochPlan& plan, int64_t n) {
  torch::Tensor all = torch::cat(plan.batches);
  return all.size(0) == n && std::get<0>(at::_unique(all)).size(0) == n;
}

}  // namespace

TEST_CASE("baselines: warm-up epochs are uniform permutations, then the distribution takes over",
          "[baselines]") {
  c10::InferenceMode mode;
  for (const std::string name : {"online-batch", "active-bias", "recency-bias",
                                 "uncertainty-correlation", "hard-imbalance"}) {
    INFO("selector " << name);
    std::map<std::string, std::string> params = {{"warmup", "3"}};
    if (name == "recency-bias") params["window"] = "3";
    auto s = build(name, params);
    TrainingPool pool = pool_of(40, 4, 8);
    s->attach(pool);
    for (int64_t e = 0; e < 6; ++e) {
      EpochPlan plan = s->plan_epoch(e);
      if (e < 3) CHECK(is_permutation(plan, 40));
      for (const auto& b : plan.batches)
        s->observe(b, torch::rand({b.size(0), 4}),
                   torch::rand({b.size(0), 4}) * (b.unsqueeze(1) + 1).to(torch::kFloat));
      s->end_epoch(e);
      auto d = s->diagnostics();
      CHECK(d.at("uniform") == (e < 3 ? 1.0 : 0.0));
      if (e >= 3) CHECK(d.at("entropy") < 1.0);
    }
  }
}

TEST_CASE("baselines: same seed, same batches; another seed, others", "[baselines]") {
  c10::InferenceMode mode;
  for (const std::string name :
       {"uniform", "uniform-iid", "online-batch", "uncertainty-correlation"}) {
    INFO("selector " << name);
    auto plans = [&](uint64_t seed) {
      std::map<std::string, std::string> params;
      if (name != "uniform" && name != "uniform-iid") params["warmup"] = "1";
      auto s = build(name, params);
      TrainingPool pool = pool_of(30, 3, 4, 10, seed);
      pool.seed = seed;
      s->attach(pool);
      std::vector<torch::Tensor> out;
      for (int64_t e = 0; e < 3; ++e) {
        EpochPlan plan = s->plan_epoch(e);
        for (const auto& b : plan.batches)
          s->observe(b, torch::full({b.size(0), 3}, 0.3f), torch::ones({b.size(0), 3}));
        s->end_epoch(e);
        out.push_back(torch::cat(plan.batches));
      }
      return out;
    };
    auto a = plans(1), b = plans(1), c = plans(2);
    for (size_t e = 0; e < a.size(); ++e) CHECK(a[e].equal(b[e]));
    CHECK_FALSE(a[2].equal(c[2]));
  }
}

TEST_CASE("baselines: online-batch ranks by the latest loss", "[baselines]") {
  c10::InferenceMode mode;
  OnlineBatchConfig c;
  c.schedule = {8, 1};
  c.s_end = 8;
  OnlineBatchSelector s(c);
  TrainingPool pool = pool_of(3, 2, 3, 4);
  s.attach(pool);
  s.plan_epoch(0);
  // Per-instance losses 0.2, 1.0, 0.6 -> ranks 3, 1, 2 -> p ∝ 8^(-r/3) = (1/8, 1/2, 1/4).
  s.observe(torch::tensor({0, 1, 2}), {},
            torch::tensor({0.1f, 0.1f, 0.5f, 0.5f, 0.3f, 0.3f}).view({3, 2}));
  s.end_epoch(0);
  s.plan_epoch(1);
  s.end_epoch(1);
  CHECK(s.diagnostics().at("pressure") == Approx(8));
  CHECK(s.diagnostics().at("entropy") ==
        Approx(-(1.0 / 7 * std::log(1.0 / 7) + 4.0 / 7 * std::log(4.0 / 7) +
                 2.0 / 7 * std::log(2.0 / 7)) /
               std::log(3.0)));
}

TEST_CASE("baselines: active-bias's confidence-corrected std", "[baselines]") {
  c10::InferenceMode mode;
  ActiveBiasSelector s({0.02, 10});
  TrainingPool pool = pool_of(2, 1, 2, 4);
  pool.Y = torch::tensor({1.f, 0.f}).view({2, 1});
  s.attach(pool);
  torch::Tensor both = torch::tensor({0, 1});
  // Instance 0 (y = 1): π = p = 0.2 then 0.6; instance 1 (y = 0): π = 1 - p = 0.9 then 0.9.
  s.observe(both, torch::tensor({0.2f, 0.1f}).view({2, 1}), {});
  CHECK(s.corrected_std().sum().item<float>() == 0);  // one observation: 0
  s.observe(both, torch::tensor({0.6f, 0.1f}).view({2, 1}), {});
  torch::Tensor sd = s.corrected_std();
  // mean 0.4, population variance 0.04, n = 2: sqrt(0.04 + 0.04^2 / 1).
  CHECK(sd[0][0].item<float>() == Approx(std::sqrt(0.04 + 0.0016)).epsilon(1e-5));
  CHECK(sd[1][0].item<float>() == Approx(0).margin(1e-6));
}

TEST_CASE("baselines: active-bias's fused Welford step equals its tensor-operation reference",
          "[baselines]") {
  c10::InferenceMode mode;
  const int64_t n = 40, q = 5;
  ActiveBiasSelector fused({0.02, 10}), reference({0.02, 10});
  TrainingPool pool = pool_of(n, q, 8);
  fused.attach(pool);
  reference.attach(pool);
  torch::manual_seed(3);
  for (int step = 0; step < 50; ++step) {
    torch::Tensor idx = torch::randperm(n).slice(0, 0, 1 + step % 13);
    torch::Tensor p = torch::rand({idx.size(0), q});
    fused.observe(idx, p, {});
    reference.observe_reference(idx, p);
  }
  CHECK(fused.corrected_std().equal(reference.corrected_std()));  // bit for bit
  CHECK(fused.corrected_std().equal(fused.corrected_std_reference()));
  CHECK(fused.corrected_std().gt(0).any().item<bool>());
}

TEST_CASE("baselines: recency-bias's windowed label entropy", "[baselines]") {
  c10::InferenceMode mode;
  RecencyBiasSelector s({4, 100, 10});
  TrainingPool pool = pool_of(3, 2, 3, 20);
  s.attach(pool);
  torch::Tensor one = torch::tensor({0});
  // Instance 0: label 0 predicted positive 3 times of 4 visits -> H2(3/4); label 1 always -> 0.
  for (float p : {0.9f, 0.8f, 0.2f, 0.7f})
    s.observe(one, torch::tensor({p, 0.9f}).view({1, 2}), {});
  s.observe(torch::tensor({1}), torch::tensor({0.6f, 0.4f}).view({1, 2}), {});
  torch::Tensor F = s.uncertainty();
  CHECK(F[0].item<float>() == Approx(0.8112781 / 2));
  CHECK(F[1].item<float>() == Approx(0.0));  // one visit: both labels certain
  CHECK(F[2].item<float>() == Approx(1.0));  // never seen: maximal
  // Five more visits push the oldest out: the window holds the last 4.
  for (int k = 0; k < 4; ++k) s.observe(one, torch::tensor({0.1f, 0.9f}).view({1, 2}), {});
  CHECK(s.uncertainty()[0].item<float>() == Approx(0.0));
}

TEST_CASE("baselines: recency-bias's fused entropy lookup equals its reference", "[baselines]") {
  c10::InferenceMode mode;
  torch::manual_seed(6);
  const int64_t n = 30, q = 7, T = 4;
  DynamicsOptions o;
  o.window = T, o.store_bits = true;
  TrainingDynamics d(n, q, o, torch::kCPU);
  for (int step = 0; step < 12; ++step) {  // some instances never seen, some past a full window
    torch::Tensor idx = torch::randperm(n).slice(0, 0, 1 + step % 11);
    d.update(idx, torch::rand({idx.size(0), q}), {});
  }
  const torch::Tensor table = window_entropy_table(T);
  CHECK(window_label_entropy(d, table).equal(window_label_entropy_reference(d, table)));
  CHECK(d.visits().eq(0).any().item<bool>());
  CHECK(d.visits().gt(T).any().item<bool>());
}

TEST_CASE("baselines: the counted mutual information agrees with the one-hot product",
          "[baselines]") {
  // Within float rounding: the reference takes the marginals as float means.
  torch::manual_seed(4);
  torch::Tensor U = torch::rand({500, 9});
  U.select(1, 2).fill_(1.0f);            // the top edge: the last bin
  U.select(1, 4).copy_(U.select(1, 0));  // identical columns: MI = entropy
  U.select(1, 5).mul_(0.05f);            // a column in one bin: entropy 0
  for (int64_t bins : {2, 10})
    CHECK(binned_mutual_information(U, bins).allclose(binned_mutual_information_reference(U, bins),
                                                      1e-5, 1e-7));
}

TEST_CASE("baselines: the fused imbalance weights equal their reference", "[baselines]") {
  // Bit for bit, on labels of several densities (rare labels are the minority ones), a label
  // without positives, and rows where every neighbour or none disagrees (C = 1 or 0: not inner).
  for (const double density : {0.05, 0.2, 0.5}) {
    torch::manual_seed(5);
    torch::Tensor Y = (torch::rand({300, 23}) < density * torch::rand({1, 23})).to(torch::kFloat);
    Y.select(1, 3).zero_();
    Y.select(1, 4).zero_();
    Y[0][4] = 1.0f;  // one positive: the rarest label, every neighbour disagrees
    torch::Tensor nn = torch::randint(0, 300, {300, 5}, torch::kLong);
    INFO("density " << density);
    const torch::Tensor W = imbalance_weights(Y, nn);
    CHECK(W.equal(imbalance_weights_reference(Y, nn)));
    CHECK(W.select(1, 3).eq(0).all().item<bool>());
  }
}

TEST_CASE("baselines: mutual information of binned columns", "[baselines]") {
  torch::Tensor a = torch::tensor({0.05f, 0.15f, 0.05f, 0.15f, 0.95f, 0.95f, 0.05f, 0.15f});
  torch::Tensor U = torch::stack({a, a, torch::full({8}, 0.5f)}, 1);
  torch::Tensor M = binned_mutual_information(U, 10);
  // Column 0 takes bins {0, 1, 9} with shares 3/8, 3/8, 2/8: MI with itself is that entropy.
  const double h = -(2 * 0.375 * std::log(0.375) + 0.25 * std::log(0.25));
  CHECK(M[0][0].item<double>() == Approx(h));
  CHECK(M[0][1].item<double>() == Approx(h));
  CHECK(M[0][2].item<double>() == Approx(0).margin(1e-12));  // a constant column shares nothing
}

TEST_CASE("baselines: hard-imbalance weights", "[baselines]") {
  // Labels: a on 4 instances, b on 1 -> IRLbl = (1, 4), MeanIR = 2.5, b is a minority label.
  torch::Tensor Y = torch::tensor({1.f, 1.f, 1.f, 0.f, 1.f, 0.f, 1.f, 0.f, 0.f, 0.f}).view({5, 2});
  // Neighbours (k = 2, self excluded): instance 0's are 1 and 4.
  torch::Tensor nn = torch::tensor({1, 4, 0, 2, 1, 3, 2, 4, 3, 0}).view({5, 2});
  torch::Tensor W = imbalance_weights(Y, nn);
  // Global weights IRLbl / MeanIR = (0.4, 1.6). Instance 0 has b: neighbours 1, 4 lack it -> C = 1,
  // not in (0, 1): no local boost. Column a is not minority: weight 0.4 everywhere.
  CHECK(W.select(1, 0).allclose(torch::full({5}, 0.4f)));
  CHECK(W[0][1].item<float>() == Approx(1.6f));
  CHECK(W[1][1].item<float>() == Approx(1.6f));
}

TEST_CASE("baselines: infobatch prunes half of the below-mean instances and reweights the rest",
          "[baselines]") {
  const int64_t n = 40;
  TrainingPool pool = pool_of(n, 3, /*batch=*/8, /*epochs=*/8);
  auto selector = build("infobatch");
  selector->attach(pool);
  // The first epoch: every score equal, nothing pruned, a plain permutation without weights.
  EpochPlan first = selector->plan_epoch(0);
  CHECK(is_permutation(first, n));
  CHECK(first.weights.empty());
  // Losses: instance i's three labels each lose i / 10, so its score is 0.3 i and the mean
  // 0.3 * 19.5: instances 0..19 are well learned.
  torch::Tensor all = torch::arange(n, torch::kLong);
  torch::Tensor losses = (all.to(torch::kFloat) / 10).unsqueeze(1).expand({n, 3}).contiguous();
  {
    c10::InferenceMode mode;
    selector->observe(all, {}, losses);
  }
  for (int64_t epoch = 1; epoch < 7; ++epoch) {  // delta * E = 7: epochs 1..6 prune
    INFO("epoch " << epoch);
    EpochPlan plan = selector->plan_epoch(epoch);
    torch::Tensor order = torch::cat(plan.batches);
    CHECK(order.size(0) == 30);  // 20 hard + floor(0.5 * 20) learned
    CHECK(plan.batches.size() == 4);
    REQUIRE(plan.weights.size() == plan.batches.size());
    torch::Tensor weights = torch::cat(plan.weights);
    CHECK(std::get<0>(at::_unique(order)).size(0) == 30);
    CHECK(((order >= 20) == (weights == 1.0f)).all().item<bool>());
    CHECK(((order < 20) == (weights == 2.0f)).all().item<bool>());
    CHECK((order >= 20).sum().item<int64_t>() == 20);
    CHECK(selector->diagnostics().at("pruned") == Approx(0.25));
  }
  EpochPlan full = selector->plan_epoch(7);
  CHECK(is_permutation(full, n));
  CHECK(full.weights.empty());
  CHECK(selector->diagnostics().at("pruned") == 0.0);
  CHECK_THROWS_WITH(build("infobatch", {{"ratio", "0.95"}}), Catch::Contains("ratio must be"));
}

TEST_CASE("baselines: infobatch's fused pruning gives the reference's plan, index for index",
          "[baselines]") {
  torch::manual_seed(12);
  const std::vector<torch::Tensor> pools = {
      torch::rand({1000}),                            // a typical pool
      torch::rand({300}).mul_(4).round_(),            // many ties, some at the mean
      torch::full({50}, 3.0f),                        // every score equal: nothing learned
      torch::tensor({1.0f, NAN, 0.5f, 2.0f, 0.1f})};  // a NaN mean: nothing below it
  for (size_t c = 0; c < pools.size(); ++c)
    for (double ratio : {0.0, 0.5, 0.9}) {
      INFO("pool " << c << " ratio " << ratio);
      at::Generator g1 = at::detail::createCPUGenerator(5), g2 = at::detail::createCPUGenerator(5);
      for (int epoch = 0; epoch < 2; ++epoch) {  // the generators stay in step
        InfoBatchPruning fused = prune_well_learned(pools[c], ratio, g1);
        InfoBatchPruning reference = prune_well_learned_reference(pools[c], ratio, g2);
        CHECK(fused.learned == reference.learned);
        CHECK(fused.kept == reference.kept);
        CHECK(fused.order.equal(reference.order));
        CHECK(fused.weights.equal(reference.weights));
      }
    }
  // The fused observe stores ATen's row sums exactly.
  TrainingPool pool = pool_of(20, 5);
  auto selector = build("infobatch");
  selector->attach(pool);
  torch::Tensor idx = torch::tensor({7, 3, 19}, torch::kLong), losses = torch::rand({3, 5});
  selector->observe(idx, {}, losses);
  const auto& scores = dynamic_cast<InfoBatchSelector&>(*selector).scores();
  CHECK(scores.index_select(0, idx).equal(losses.sum(1)));
  CHECK(scores[0].item<float>() == 3.0f);  // unobserved: the starting score
  CHECK_THROWS_WITH(selector->observe(torch::tensor({20}, torch::kLong), {}, losses.slice(0, 0, 1)),
                    Catch::Contains("outside the pool"));
}

TEST_CASE("baselines: infobatch's balanced score equals its definition", "[baselines]") {
  torch::manual_seed(9);
  const int64_t b = 50, q = 7;
  torch::Tensor losses = torch::rand({b, q});
  torch::Tensor labels = (torch::rand({b, q}) < 0.3).to(torch::kFloat);
  labels[0].zero_();   // no positive: the mean over every label
  labels[1].fill_(1);  // no negative: the mean over the positives
  torch::Tensor got = balanced_instance_loss(losses, labels);
  for (int64_t i = 0; i < b; ++i) {
    std::vector<float> pos, neg;
    for (int64_t j = 0; j < q; ++j)
      (labels[i][j].item<float>() > 0.5f ? pos : neg).push_back(losses[i][j].item<float>());
    std::sort(neg.begin(), neg.end(), std::greater<>());
    double sum = 0;
    size_t count = 0;
    if (pos.empty()) {
      for (float v : neg) sum += v;
      count = neg.size();
    } else {
      for (float v : pos) sum += v;
      const size_t taken = std::min(pos.size(), neg.size());
      for (size_t k = 0; k < taken; ++k) sum += neg[k];
      count = pos.size() + taken;
    }
    CHECK(got[i].item<double>() == Approx(sum / static_cast<double>(count)).epsilon(1e-5));
  }
}

TEST_CASE("baselines: every selector trains through the harness", "[baselines]") {
  Registries reg;
  for (const auto* entry : reg.selectors.all()) {
    INFO("selector " << entry->name);
    ExperimentConfig c = test::fold0_experiment("synthetic:n=300,d=10,q=4", 12, 32);
    c.selector = entry->name;
    auto cells = Experiment(c, reg).run();
    REQUIRE(cells[0]["status"]["state"] == "done");
    const auto& sel = cells[0]["curves"]["selector"];
    if (entry->name == "infobatch") {
      // Pruning epochs take fewer steps than the full ones (the last 1 - delta of the run).
      const auto& steps = cells[0]["curves"]["steps"];
      CHECK(steps[5].get<int64_t>() < steps[11].get<int64_t>());
      CHECK(sel["pruned"].size() == 12);
    } else if (entry->name != "uniform") {
      REQUIRE(sel.contains("entropy"));
      CHECK(sel["pressure"].size() == 12);
    }
    CHECK(cells[0]["identity"]["selector"]["version"].get<std::string>().find(entry->name) == 0);
  }
  ExperimentConfig bad;
  bad.dataset = "synthetic:n=100";
  bad.selector = "recency-bias";
  bad.selector_params = {{"warmup", "3"}};
  CHECK_THROWS_WITH(Experiment(bad, reg), Catch::Contains("warmup must be >= window"));
  bad.selector = "online-batch";
  bad.selector_params = {{"s0", "0.5"}};
  CHECK_THROWS_WITH(Experiment(bad, reg), Catch::Contains("must be >= 1"));
}
