// Per-selector costs: observe (one batch of 128), end_epoch (the rescoring) and plan_epoch, at
// N in {1e3, 1e4, 1e5, 1e6} and q in {6, 100, 1000} where memory allows (a 5-entry float window
// at N = 1e6, q = 1000 would be 20 GB: such points are skipped). Counters are in ns per
// instance-label (observe: per batch entry; end_epoch and plan: per pool entry), so scaling reads
// at a glance.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <c10/core/InferenceMode.h>

#include "baselines/uncertainty_correlation.h"
#include "bench/experiment.h"
#include "core/neighbours.h"
#include "core/sampling.h"
#include "core/training_dynamics.h"
#include "d2ace/correlation_enhancement.h"
#include "d2ace/dual_dynamics.h"
#include "d2ace/label_weights.h"
#include "d2ace/local_label_context.h"
#include "d2ace/relevant_label_correlation.h"
#include "d2ace/stagewise_mixture.h"

namespace {

constexpr int64_t kBatch = 128;
constexpr double kMaxStateBytes = 6e9;  // window + [N, q] tensors of one selector

const std::vector<std::string> kSelectors = {"uniform",        "uniform-iid",
                                             "online-batch",   "active-bias",
                                             "recency-bias",   "uncertainty-correlation",
                                             "hard-imbalance", "d2ace"};

// A selector attached to a random pool, its warm-up done so that plans are adaptive.
struct Fixture {
  std::unique_ptr<d2ace::Selector> selector;
  torch::Tensor probs, losses;
  std::vector<torch::Tensor> batches;  // random batches, cycled: rows come cold, as in training
  int64_t n, q;
};

bool fits(const std::string& name, int64_t n, int64_t q) {
  double per_entry = name == "recency-bias"              ? 10 + 4 + 8
                     : name == "uncertainty-correlation" ? 5 * 4 + 12
                     : name == "d2ace"                   ? 5 * 4 + 40
                                                         : 12;
  if (name == "hard-imbalance" && n > 10000)
    return false;  // its exact kNN is O(N^2): BM_NearestNeighbours
  return n * q * per_entry < kMaxStateBytes;
}

// Like the trainer, every selector call runs in inference mode. `density`: the share of ones in Y.
Fixture make(const std::string& name, int64_t n, int64_t q, double density = 0.1, int64_t d = 8) {
  c10::InferenceMode selection;
  static d2ace::Registries registries;
  Fixture f;
  f.n = n, f.q = q;
  torch::manual_seed(0);
  d2ace::TrainingPool pool;
  pool.X = torch::rand({n, d});
  pool.Y = (torch::rand({n, q}) < density).to(torch::kFloat);
  pool.batch_size = kBatch;
  pool.epochs = 100;
  pool.seed = 1;
  const auto& entry = registries.selectors.get(name);
  // The shortest warm-up each selector allows (recency-bias needs warmup >= window).
  int64_t warmup = 0;
  std::map<std::string, std::string> given;
  for (const auto& p : entry.params)
    if (p.name == "warmup")
      warmup = name == "recency-bias" ? 10 : 1, given["warmup"] = std::to_string(warmup);
  // D2ACE's one-off exact kNN is O(N^2) and timed by BM_NearestNeighbours; past 1e4 the per-epoch
  // costs are measured with the global context (the same work per epoch, Z = 1).
  if (name == "d2ace" && n > 10000) given["context"] = "global";
  f.selector = entry.make(d2ace::Params(name, entry.params, given));
  f.selector->attach(pool);
  f.probs = torch::rand({kBatch, q});
  f.losses = torch::rand({kBatch, q});
  for (int k = 0; k < 64; ++k) f.batches.push_back(torch::randperm(n).slice(0, 0, kBatch));
  // One observed pass over the pool (a single call: the state is what matters), then the warm-up's
  // end.
  f.selector->observe(torch::arange(n), torch::rand({n, q}), torch::rand({n, q}));
  f.selector->end_epoch(std::max<int64_t>(0, warmup - 1));
  return f;
}

std::map<std::string, Fixture>& cache() {
  static std::map<std::string, Fixture> c;
  return c;
}

Fixture& fixture(const std::string& name, int64_t n, int64_t q, double density = 0.1,
                 int64_t d = 8) {
  std::string key = name + "/" + std::to_string(n) + "/" + std::to_string(q) + "/" +
                    std::to_string(density) + "/" + std::to_string(d);
  auto& c = cache();
  if (c.size() > 2) c.clear();  // keep memory bounded across the grid
  if (!c.count(key)) c[key] = make(name, n, q, density, d);
  return c[key];
}

void per_entry(benchmark::State& state, double entries) {
  state.counters["ns_per_entry"] = benchmark::Counter(
      entries, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void observe(benchmark::State& state, const std::string& name) {
  c10::InferenceMode selection;
  Fixture& f = fixture(name, state.range(0), state.range(1));
  size_t k = 0;
  for (auto _ : state) f.selector->observe(f.batches[k++ % f.batches.size()], f.probs, f.losses);
  per_entry(state, static_cast<double>(kBatch * f.q));
}

void end_epoch(benchmark::State& state, const std::string& name) {
  c10::InferenceMode selection;
  Fixture& f = fixture(name, state.range(0), state.range(1));
  int64_t epoch = 10;
  for (auto _ : state) f.selector->end_epoch(epoch++);
  per_entry(state, static_cast<double>(f.n * f.q));
}

void plan_epoch(benchmark::State& state, const std::string& name) {
  c10::InferenceMode selection;
  Fixture& f = fixture(name, state.range(0), state.range(1));
  int64_t epoch = 11;
  for (auto _ : state) benchmark::DoNotOptimize(f.selector->plan_epoch(epoch++));
  per_entry(state, static_cast<double>(f.n * f.q));
}

// One whole selecting epoch -- plan, observe on every batch, end of epoch -- at a real dataset's
// shape: the cost the reports' selection share is made of. Args: N, q, density in 1/10000,
// features; the time per iteration is the time per epoch.
void epoch(benchmark::State& state, const std::string& name) {
  c10::InferenceMode selection;
  Fixture& f = fixture(name, state.range(0), state.range(1),
                       static_cast<double>(state.range(2)) / 1e4, state.range(3));
  int64_t e = 10;
  for (auto _ : state) {
    d2ace::EpochPlan plan = f.selector->plan_epoch(e);
    for (const torch::Tensor& batch : plan.batches)
      f.selector->observe(batch, f.probs.narrow(0, 0, batch.size(0)),
                          f.losses.narrow(0, 0, batch.size(0)));
    f.selector->end_epoch(e++);
  }
}

void grid(benchmark::internal::Benchmark* b, const std::string& name) {
  for (int64_t n : {1000, 10000, 100000, 1000000})
    for (int64_t q : {6, 100, 1000})
      if (fits(name, n, q)) b->Args({n, q});
  b->Unit(benchmark::kMicrosecond)->MinTime(0.05);
}

// D2ACE's relevant-label Gram matrix in its two forms, pair lists (arg 3 = 0) or the dense product
// (1), at N x q with density in 1/10000 -- the measurements behind prefer_dense_products.
void BM_RelevantCorrelation(benchmark::State& state) {
  c10::InferenceMode selection;
  torch::manual_seed(0);
  const int64_t n = state.range(0), q = state.range(1);
  torch::Tensor Y =
      (torch::rand({n, q}) < static_cast<double>(state.range(2)) / 1e4).to(torch::kFloat);
  torch::Tensor M = torch::rand({n, q});
  const bool dense = state.range(3) == 1;
  d2ace::RelevantEntries r = d2ace::RelevantEntries::of(Y, dense ? 0 : int64_t{1} << 40);
  for (auto _ : state) benchmark::DoNotOptimize(d2ace::relevant_label_correlation(M, &r));
  const int64_t pairs = dense ? (Y.sum(1).pow(2)).sum().item<int64_t>() : r.pair_a.size(0);
  state.counters["pairs"] = static_cast<double>(pairs);
  state.counters["Nq2_per_pair"] = static_cast<double>(n * q * q) / static_cast<double>(pairs);
}
BENCHMARK(BM_RelevantCorrelation)
    ->ArgsProduct({{1740}, {14}, {3030}, {0, 1}})   // yeast
    ->ArgsProduct({{2000}, {6}, {3000}, {0, 1}})    // emotions, scene
    ->ArgsProduct({{3600}, {374}, {94}, {0, 1}})    // corel5k
    ->ArgsProduct({{5000}, {159}, {150}, {0, 1}})   // bibtex
    ->ArgsProduct({{10000}, {100}, {500}, {0, 1}})  // dense-ish, many labels
    ->ArgsProduct({{10000}, {1000}, {50}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

// Uncertainty-correlation's binned mutual information over its sampled rows (N = pool / stride, at
// most mi_sample = 1 024) and its K = min(q, 32) labels, 10 bins: the fused counts (arg 2 = 1)
// against the one-hot matrix product (0), at yeast's and corel5k's 2-fold pools.
void BM_BinnedMutualInformation(benchmark::State& state) {
  c10::InferenceMode selection;
  torch::manual_seed(0);
  const torch::Tensor U = torch::rand({state.range(0), state.range(1)}).pow(3);
  for (auto _ : state)
    benchmark::DoNotOptimize(state.range(2) == 1
                                 ? d2ace::binned_mutual_information(U, 10)
                                 : d2ace::binned_mutual_information_reference(U, 10));
}
BENCHMARK(BM_BinnedMutualInformation)
    ->ArgsProduct({{545}, {14}, {0, 1}})
    ->ArgsProduct({{750}, {32}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

// The per-entry transcendental parts of the rescoring, fused kernel (arg 2 = 1) against the tensor
// operations (0), at yeast's and corel5k's 2-fold training pools (N x q): the windowed uncertainty
// (two logs per entry) and D2ACE's released hardness (one exp per entry).
struct DynamicsFixture {
  d2ace::TrainingDynamics dynamics;
  DynamicsFixture(int64_t n, int64_t q) {
    c10::InferenceMode selection;
    torch::manual_seed(0);
    d2ace::DynamicsOptions o;
    o.window = 5, o.track_loss = true, o.track_flips = true;
    dynamics = d2ace::TrainingDynamics(n, q, o, torch::kCPU);
    for (int pass = 0; pass < 6; ++pass)
      dynamics.update(torch::arange(n), torch::rand({n, q}), torch::rand({n, q}) * 3);
  }
};

torch::Tensor uncertainty(const d2ace::TrainingDynamics& d, bool fused) {
  return fused ? d2ace::windowed_uncertainty(d) : d2ace::windowed_uncertainty_reference(d);
}

torch::Tensor hardness(const d2ace::TrainingDynamics& d, bool fused) {
  const auto form = d2ace::HardnessForm::kReleased;
  return fused ? d2ace::noise_resistant_hardness(d.last_loss(), d.flip_ema(), form)
               : d2ace::noise_resistant_hardness_reference(d.last_loss(), d.flip_ema(), form);
}

// `kernel` is uncertainty or hardness.
void BM_DynamicsKernel(benchmark::State& state, decltype(&uncertainty) kernel) {
  c10::InferenceMode selection;
  DynamicsFixture f(state.range(0), state.range(1));
  for (auto _ : state) benchmark::DoNotOptimize(kernel(f.dynamics, state.range(2) == 1));
  per_entry(state, static_cast<double>(state.range(0) * state.range(1)));
}
BENCHMARK_CAPTURE(BM_DynamicsKernel, uncertainty, &uncertainty)
    ->ArgsProduct({{1090}, {14}, {0, 1}})
    ->ArgsProduct({{2250}, {374}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_DynamicsKernel, hardness, &hardness)
    ->ArgsProduct({{1090}, {14}, {0, 1}})
    ->ArgsProduct({{2250}, {374}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

// D2ACE's rescoring stage by stage (arg 2), each timed alone on inputs the earlier stages made, at
// yeast's and corel5k's 2-fold training pools (N x q, density in 1/10000): 0 windowed uncertainty,
// 1 hardness, 2 label weights (both metrics), 3 relevant-label correlations (both), 4 enhancement
// at the relevant entries (both), 5 enhanced scores (both), 6 the two quantised distributions,
// 7 the mixture, 8 the report's diagnostics (three entropies, two means). Where the rescoring's
// time goes: `epoch/d2ace` is their sum plus the epoch's plan and observes.
void BM_D2aceRescoring(benchmark::State& state) {
  c10::InferenceMode selection;
  const int64_t n = state.range(0), q = state.range(1), stage = state.range(3);
  DynamicsFixture f(n, q);
  torch::manual_seed(1);
  const torch::Tensor Y =
      (torch::rand({n, q}) < static_cast<double>(state.range(2)) / 1e4).to(torch::kFloat);
  const d2ace::RelevantEntries r = d2ace::RelevantEntries::of(Y);
  // The local label context over 6 neighbours of random features: about 7 times Y's density.
  const torch::Tensor Z = d2ace::local_label_context(
      Y, d2ace::nearest_neighbours(torch::rand({n, 8}), 6, /*include_self=*/true));
  const d2ace::EnhancementIndex e = d2ace::EnhancementIndex::of(Z, r, /*global=*/false);
  const auto form = d2ace::HardnessForm::kReleased;
  const torch::Tensor U = d2ace::windowed_uncertainty(f.dynamics);
  const torch::Tensor H =
      d2ace::noise_resistant_hardness(f.dynamics.last_loss(), f.dynamics.flip_ema(), form);
  const torch::Tensor vU = d2ace::dynamic_label_weights(U), vH = d2ace::dynamic_label_weights(H);
  const torch::Tensor CU = d2ace::relevant_label_correlation(U, &r);
  const torch::Tensor CH = d2ace::relevant_label_correlation(H, &r);
  const torch::Tensor sU = d2ace::enhancement_at(CU, e, r), sH = d2ace::enhancement_at(CH, e, r);
  const torch::Tensor scoreU = d2ace::enhanced_scores(U, vU, sU, r);
  const torch::Tensor scoreH = d2ace::enhanced_scores(H, vH, sH, r);
  const torch::Tensor pU = d2ace::quantised_exponential_distribution(scoreU, 10);
  const torch::Tensor pH = d2ace::quantised_exponential_distribution(scoreH, 10);
  const torch::Tensor P = d2ace::bernoulli_mixture(pU, pH, 0.5);
  for (auto _ : state) {
    switch (stage) {
      case 0:
        benchmark::DoNotOptimize(d2ace::windowed_uncertainty(f.dynamics));
        break;
      case 1:
        benchmark::DoNotOptimize(
            d2ace::noise_resistant_hardness(f.dynamics.last_loss(), f.dynamics.flip_ema(), form));
        break;
      case 2:
        benchmark::DoNotOptimize(d2ace::dynamic_label_weights(U));
        benchmark::DoNotOptimize(d2ace::dynamic_label_weights(H));
        break;
      case 3:
        benchmark::DoNotOptimize(d2ace::relevant_label_correlation(U, &r));
        benchmark::DoNotOptimize(d2ace::relevant_label_correlation(H, &r));
        break;
      case 4:
        benchmark::DoNotOptimize(d2ace::enhancement_at(CU, e, r));
        benchmark::DoNotOptimize(d2ace::enhancement_at(CH, e, r));
        break;
      case 5:
        benchmark::DoNotOptimize(d2ace::enhanced_scores(U, vU, sU, r));
        benchmark::DoNotOptimize(d2ace::enhanced_scores(H, vH, sH, r));
        break;
      case 6:
        benchmark::DoNotOptimize(d2ace::quantised_exponential_distribution(scoreU, 10));
        benchmark::DoNotOptimize(d2ace::quantised_exponential_distribution(scoreH, 10));
        break;
      case 7:
        benchmark::DoNotOptimize(d2ace::bernoulli_mixture(pU, pH, 0.5));
        break;
      default:
        benchmark::DoNotOptimize(d2ace::normalised_entropy(pU) + d2ace::normalised_entropy(pH) +
                                 d2ace::normalised_entropy(P) + U.mean().item<double>() +
                                 H.mean().item<double>());
    }
  }
}
BENCHMARK(BM_D2aceRescoring)
    ->ArgsProduct({{1090}, {14}, {3030}, {0, 1, 2, 3, 4, 5, 6, 7, 8}})
    ->ArgsProduct({{2250}, {374}, {94}, {0, 1, 2, 3, 4, 5, 6, 7, 8}})
    ->Unit(benchmark::kMicrosecond);

// The exact kNN of D2ACE's local label context (k = 6 + self), d = 32 features.
void BM_NearestNeighbours(benchmark::State& state) {
  torch::manual_seed(0);
  torch::Tensor X = torch::rand({state.range(0), 32});
  for (auto _ : state) benchmark::DoNotOptimize(d2ace::nearest_neighbours(X, 6, true));
}
BENCHMARK(BM_NearestNeighbours)->Arg(10000)->Arg(100000)->Unit(benchmark::kSecond)->Iterations(1);

const bool registered = [] {
  at::set_num_threads(1);
  for (const auto& name : kSelectors) {
    grid(benchmark::RegisterBenchmark(("observe/" + name).c_str(), observe, name), name);
    grid(benchmark::RegisterBenchmark(("end_epoch/" + name).c_str(), end_epoch, name), name);
    grid(benchmark::RegisterBenchmark(("plan_epoch/" + name).c_str(), plan_epoch, name), name);
    // yeast's and corel5k's training pools under the 5-fold protocol (0.8 x 0.9 of the instances).
    benchmark::RegisterBenchmark(("epoch/" + name).c_str(), epoch, name)
        ->Args({1740, 14, 3030, 103})
        ->Args({3600, 374, 94, 499})
        ->Unit(benchmark::kMillisecond)
        ->MinTime(0.2);
  }
  return true;
}();

}  // namespace
