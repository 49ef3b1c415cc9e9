// evaluate() (all metrics) and macro_auc() (the per-epoch validation criterion) at n x q sizes.
#include <benchmark/benchmark.h>

#include "core/metrics.h"

namespace {

void BM_Evaluate(benchmark::State& state) {
  const int64_t n = state.range(0), q = state.range(1);
  torch::manual_seed(0);
  torch::Tensor scores = torch::rand({n, q});
  torch::Tensor targets = (torch::rand({n, q}) < 0.1).to(torch::kFloat);
  for (auto _ : state) benchmark::DoNotOptimize(d2ace::evaluate(scores, targets));
  state.counters["ns_per_entry"] =
      benchmark::Counter(static_cast<double>(n * q), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
BENCHMARK(BM_Evaluate)
    ->Args({1000, 14})
    ->Args({1000, 374})
    ->Args({10000, 100})
    ->Unit(benchmark::kMillisecond);

void BM_MacroAuc(benchmark::State& state) {
  const int64_t n = state.range(0), q = state.range(1);
  torch::manual_seed(0);
  torch::Tensor scores = torch::rand({n, q});
  torch::Tensor targets = (torch::rand({n, q}) < 0.1).to(torch::kFloat);
  for (auto _ : state) benchmark::DoNotOptimize(d2ace::macro_auc(scores, targets));
  state.counters["ns_per_entry"] =
      benchmark::Counter(static_cast<double>(n * q), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
BENCHMARK(BM_MacroAuc)
    ->Args({1000, 14})
    ->Args({1000, 374})
    ->Args({10000, 100})
    ->Unit(benchmark::kMillisecond);

}  // namespace
