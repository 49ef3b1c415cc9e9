// Helpers shared by the tests: temporary paths, the CLI, the Python interpreter, shared data.
#pragma once

#include <string>

#include "bench/experiment.h"

namespace d2ace::test {

// A fresh path under a per-process temporary directory.
std::string temp_path(const std::string& name);
// Writes `text` to a fresh temporary file and returns its path.
std::string write_temp(const std::string& name, const std::string& text);

// The whole content of a file ("" if it cannot be read).
std::string slurp(const std::string& path);

// The Python with Debian's scientific packages: $D2ACE_PYTHON, else /usr/bin/python3.
std::string python();

// ../shared/datasets beside the checkout, or $D2ACE_SHARED_DATA; empty if absent.
std::string shared_datasets();

// A small experiment: fold 0 of a 3-fold split of `dataset` (e.g. "synthetic:n=400,d=10,q=5"),
// MLP and uniform unless the caller changes them.
ExperimentConfig fold0_experiment(const std::string& dataset, int64_t epochs,
                                  int64_t batch_size = 128);

struct CliResult {
  int exit_code;
  std::string out, err;
};
// Runs the d2ace-bench binary with `args` (a shell-quoted string).
CliResult run_cli(const std::string& args);

}  // namespace d2ace::test
