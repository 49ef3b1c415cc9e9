// Where a result came from: build, library versions, machine, threads, BLAS, time, Slurm ids.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace d2ace {

// Sets LibTorch's intra- and inter-op threads and OpenBLAS's (when loaded) to `threads`
// (<= 0: the number of cores). Returns the count in force.
int configure_threads(int threads);

// Which BLAS library the process has loaded ("openblas (/usr/lib/.../libblas.so.3)",
// "reference (...)", ...), found from the process's memory map after a matrix product.
std::string loaded_blas();

nlohmann::ordered_json provenance_json(const std::string& device);

// UTC time as ISO 8601, e.g. 2026-11-24T10:00:00Z.
std::string utc_now();

}  // namespace d2ace
