// Cluster runs: `d2ace-bench slurm CONFIG --out DIR` writes sbatch scripts that run a matrix's
// cells as Slurm array tasks (one cell per task, `d2ace-bench matrix --cell I`), and a merge job
// that runs when every array job has succeeded (afterok). An array whose indices would pass
// Slurm's MaxArraySize is split into several arrays, each with an offset. `--failed-only` writes
// arrays over the cells that have no finished report (missing, unreadable or failed) only.
//
// DIR/slurm/cells-K.sbatch   array K: task i runs cell (offset_K + i) of the matrix in id order
// DIR/slurm/merge.sbatch     d2ace-bench merge DIR
// DIR/slurm/submit.sh        submits the arrays, then the merge job with --dependency=afterok:...
// DIR/slurm/logs/            each task's output
#pragma once

#include <string>
#include <vector>

#include "bench/matrix.h"

namespace d2ace {

struct SlurmOptions {
  std::string out;         // the matrix directory
  std::string config;      // absolute path of the matrix config
  std::string executable;  // absolute path of d2ace-bench
  std::string partition, time, mem, account;
  int cpus_per_task = 2;
  int64_t max_array_size = 1001;   // Slurm's default MaxArraySize: indices 0..1000
  std::vector<std::string> extra;  // further #SBATCH lines, e.g. "--qos=short"
};

struct SlurmScripts {
  std::vector<std::string> arrays;  // paths of the array scripts
  std::string merge, submit;        // paths
  int64_t tasks = 0;
};

// Slurm's index list for sorted, distinct non-negative integers: "0-4,7,9-10".
std::string slurm_index_list(const std::vector<int64_t>& indices);

// Writes the scripts for the cells at `indices` (positions in `cells`, the full matrix in id
// order).
SlurmScripts write_slurm_scripts(const std::vector<MatrixCell>& cells,
                                 const std::vector<int64_t>& indices, const SlurmOptions& options);

}  // namespace d2ace
