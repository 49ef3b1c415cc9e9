// ARFF parsing throughput on a generated sparse file (no dataset download needed).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "datasets/arff.h"

namespace {

std::string make_file(int64_t rows, int64_t features, int64_t labels) {
  std::string path = "/tmp/d2ace_bench_" + std::to_string(rows) + ".arff";
  std::ofstream out(path);
  out << "@relation 'bench: -C " << labels << "'\n";
  for (int64_t j = 0; j < labels; ++j) out << "@attribute L" << j << " {0,1}\n";
  for (int64_t k = 0; k < features; ++k) out << "@attribute f" << k << " numeric\n";
  out << "@data\n";
  std::mt19937 rng(1);
  std::uniform_int_distribution<int64_t> pick(0, features - 1);
  for (int64_t i = 0; i < rows; ++i) {
    out << "{" << (i % labels) << " 1";
    std::vector<int64_t> cols;
    for (int e = 0; e < 20; ++e) cols.push_back(labels + pick(rng));
    std::sort(cols.begin(), cols.end());
    cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
    for (int64_t c : cols) out << "," << c << " 0.5";
    out << "}\n";
  }
  return path;
}

void BM_ReadSparseArff(benchmark::State& state) {
  const int64_t rows = state.range(0);
  std::string path = make_file(rows, 1000, 20);
  for (auto _ : state) benchmark::DoNotOptimize(d2ace::read_arff({path}, {}));
  std::remove(path.c_str());
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ReadSparseArff)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
