// plan_epoch of each selector per epoch, at N in {1e3 .. 1e6}; counter: ns per instance.
#include <benchmark/benchmark.h>

#include "baselines/uniform.h"

namespace {

void BM_UniformPlanEpoch(benchmark::State& state) {
  const int64_t n = state.range(0);
  d2ace::TrainingPool pool;
  pool.X = torch::zeros({n, 1});
  pool.Y = torch::zeros({n, 1});
  pool.batch_size = 128;
  pool.seed = 1;
  d2ace::UniformSelector selector;
  selector.attach(pool);
  int64_t epoch = 0;
  for (auto _ : state) benchmark::DoNotOptimize(selector.plan_epoch(epoch++));
  state.counters["ns_per_instance"] = benchmark::Counter(
      static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_UniformPlanEpoch)->RangeMultiplier(10)->Range(1000, 1000000)->Unit(benchmark::kMicrosecond);

}  // namespace
