// d2ace-bench slurm: Slurm array jobs for a matrix (one task per cell) and a merge job after them.
#include "bench/slurm.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "bench/cli/cli.h"
#include "bench/experiment.h"
#include "bench/matrix.h"
#include "core/error.h"

namespace po = boost::program_options;

namespace d2ace::cli {
namespace {

void describe_options(po::options_description& opts, SlurmOptions& o) {
  opts.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(&o.out),
      "matrix directory (the cells' reports go to DIR/cells)")(
      "partition", po::value<std::string>(&o.partition), "sbatch --partition")(
      "time", po::value<std::string>(&o.time), "sbatch --time, per cell (e.g. 02:00:00)")(
      "mem", po::value<std::string>(&o.mem), "sbatch --mem, per cell (e.g. 8G)")(
      "account", po::value<std::string>(&o.account), "sbatch --account")(
      "cpus-per-task", po::value<int>(&o.cpus_per_task)->default_value(2),
      "CPUs per cell (its BLAS threads)")(
      "sbatch-option", po::value<std::vector<std::string>>(&o.extra)->composing(),
      "a further #SBATCH line, e.g. --sbatch-option=--qos=short (repeatable)")(
      "max-array-size", po::value<int64_t>(&o.max_array_size)->default_value(1001),
      "the cluster's MaxArraySize (scontrol show config); larger matrices are split into several "
      "arrays")("failed-only",
                "only the cells without a finished report (missing, unreadable or "
                "failed)")("submit", "run the submit script now (sbatch must be on PATH)");
}

}  // namespace

int slurm(const std::vector<std::string>& args) {
  SlurmOptions o;
  po::options_description opts("slurm options");
  describe_options(opts, o);
  Command cmd =
      parse_command(args, opts, "usage: d2ace-bench slurm CONFIG --out DIR [options]", 1, 1);
  if (cmd.exit_code) return *cmd.exit_code;
  if (o.out.empty()) throw InputError("slurm: --out DIR is required");
  o.config = std::filesystem::absolute(cmd.positional[0]).string();
  o.out = std::filesystem::absolute(o.out).string();
  o.executable = self_executable();
  MatrixConfig config = load_matrix_config(o.config);
  Registries reg;
  std::vector<MatrixCell> cells = expand_matrix(config, reg);  // bad input stops here
  std::vector<int64_t> indices;
  for (size_t i = 0; i < cells.size(); ++i)
    if (!cmd.vm.count("failed-only") ||
        inspect_cell_file(cell_report_path(o.out, cells[i])) != CellFile::kDone)
      indices.push_back(static_cast<int64_t>(i));
  if (indices.empty()) {
    std::cout << "slurm: every cell of " << config.name
              << " has a finished report; nothing to submit\n";
    return 0;
  }
  std::filesystem::create_directories(std::filesystem::path(o.out) / "cells");
  SlurmScripts s = write_slurm_scripts(cells, indices, o);
  std::cout << "slurm: " << s.tasks << " cells of " << cells.size() << " in " << s.arrays.size()
            << " array job(s), then a merge job\n";
  for (const auto& a : s.arrays) std::cout << "  " << a << "\n";
  std::cout << "  " << s.merge << "\nsubmit with: " << s.submit << "\n";
  if (!cmd.vm.count("submit")) return 0;
  std::cout.flush();
  const int status = std::system(("bash " + s.submit).c_str());
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

}  // namespace d2ace::cli
