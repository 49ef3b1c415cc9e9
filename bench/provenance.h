// Where a result came from: build, library versions, machine, threads, BLAS, time, Slurm ids.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace d2ace {

// Threads: OpenBLAS (matrix products) gets `threads` (<= 0: the number of cores); LibTorch's own
// intra-op pool (element-wise work, OpenMP) gets `intra_op_threads`, 1 by default. Both pools
// spinning at once oversubscribe a small machine: on 2 cores, 2 + 2 threads trained corel5k's MLP
// 4.6x slower than OpenBLAS 2 + LibTorch 1 (3.76 s against 0.82 s for 15 epochs), yeast's 3.3x.
struct ThreadConfig {
  int blas = 1;
  int intra_op = 1;
};
ThreadConfig configure_threads(int threads, int intra_op_threads = 1);
const ThreadConfig& thread_config();  // what configure_threads set

// Which BLAS library the process has loaded ("openblas (/usr/lib/.../libblas.so.3)",
// "reference (...)", ...), found from the process's memory map after a matrix product.
std::string loaded_blas();

nlohmann::ordered_json provenance_json(const std::string& device);

// UTC time as ISO 8601, e.g. 2026-11-24T10:00:00Z.
std::string utc_now();

}  // namespace d2ace
