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
  bool quiet = false;
  std::string help;  // non-empty when --help was asked: the text to print
};

// Parses `run`'s arguments (without the command name); --protocol presets fill the options not
// given. Throws InputError on an unknown option or a bad value.
RunOptions parse_run_options(const std::vector<std::string>& args);

// The arguments `--protocol d2ace-paper` stands for.
std::vector<std::string> d2ace_paper_protocol();

}  // namespace d2ace
