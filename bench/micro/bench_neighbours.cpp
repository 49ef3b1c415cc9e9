// The exact kNN on real training pools: the first half of a dataset's rows (a 2-fold pool),
// standard-scaled as `run` scales them, k = 6 plus the instance itself (D2ACE's local context).
// Datasets come from $D2ACE_DATA (else ../shared/datasets); a missing one is skipped.
//
// With D2ACE_KNN_DUMP=DIR each pool is also written to DIR/<name>.f32 (row-major float32, its
// shape in DIR/<name>.shape) for scripts/knn-vs-sklearn, which times scikit-learn on the same rows.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>

#include "core/neighbours.h"
#include "datasets/catalog.h"
#include "datasets/splits.h"

namespace {

torch::Tensor pool_of(const std::string& name) {
  const char* env = std::getenv("D2ACE_DATA");
  const std::string dir = env ? env : "../shared/datasets";
  d2ace::Dataset data = d2ace::load_dataset({name, "", dir, std::nullopt});
  torch::Tensor X = data.X.slice(0, 0, (data.X.size(0) + 1) / 2);
  X = d2ace::fit_scaler(d2ace::Scaling::kStandard, X).apply(X).contiguous();
  if (const char* dump = std::getenv("D2ACE_KNN_DUMP")) {
    std::ofstream(std::string(dump) + "/" + name + ".f32", std::ios::binary)
        .write(reinterpret_cast<const char*>(X.data_ptr<float>()),
               static_cast<std::streamsize>(X.numel() * sizeof(float)));
    std::ofstream(std::string(dump) + "/" + name + ".shape") << X.size(0) << " " << X.size(1);
  }
  return X;
}

void BM_NeighboursOnDataset(benchmark::State& state, const std::string& name) {
  torch::Tensor X;
  try {
    X = pool_of(name);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(d2ace::nearest_neighbours(X, 6, true));
  state.counters["rows"] = static_cast<double>(X.size(0));
  state.counters["dims"] = static_cast<double>(X.size(1));
}

const bool registered = [] {
  for (const char* name : {"yeast", "scene", "corel5k", "bibtex", "imdb"})
    benchmark::RegisterBenchmark((std::string("knn/") + name).c_str(), BM_NeighboursOnDataset,
                                 std::string(name))
        ->Unit(benchmark::kMillisecond)
        ->Iterations(std::string(name) == "imdb" ? 1 : 5);
  return true;
}();

}  // namespace
