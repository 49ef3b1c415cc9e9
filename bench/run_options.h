// The options of `d2ace-bench run`, parsed into an ExperimentConfig. The matrix command builds each
// cell's arguments and parses them here too, so a cell means exactly what the same `run` would.
#pragma once

#include <string>
#include <vector>

#include "bench/experiment.h"

namespace d2ace {

struct RunOptions {
  ExperimentConfig config;
  std::string out;  // the report path (a default under runs/ when not given)
  int threads = 0, intra_op_threads = 1;
  int jobs = 0;  // fold processes at once (0: as many as the cores allow, README "Speed")
  bool quiet = false;
  // Set only in the child process that runs one fold of a parallel run (hidden options): the fold
  // number, where its report goes, and its BLAS threads (overriding --threads).
  int64_t fold_process = -1;
  std::string fold_report;
  int fold_threads = 0;
  std::string help;  // non-empty when --help was asked: the text to print
};

// Parses `run`'s arguments (without the command name); --protocol presets fill the options not
// given. Throws InputError on an unknown option or a bad value.
RunOptions parse_run_options(const std::vector<std::string>& args);

// The jobs x threads split of a run or matrix over `tasks` independent parts on `cores` cores, from
// the values asked for (0: choose). Chosen: one single-threaded process per core, measured fastest
// on 2 cores (README "Speed"); a given thread count leaves cores / threads processes.
struct Parallelism {
  int jobs = 1, threads = 1;
};
Parallelism choose_parallelism(int jobs, int threads, int64_t tasks, int cores);

}  // namespace d2ace
