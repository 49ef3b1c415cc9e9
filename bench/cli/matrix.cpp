// d2ace-bench matrix: every cell of a matrix config, resumable, parallel and shardable.
#include "bench/matrix.h"

#include <filesystem>
#include <iostream>

#include "bench/cli/cli.h"
#include "bench/experiment.h"
#include "core/error.h"

namespace po = boost::program_options;

namespace d2ace::cli {
namespace {

// The cells this process runs: a shard of them, or the one at --cell (a Slurm array task).
std::vector<MatrixCell> chosen_cells(std::vector<MatrixCell> cells, const std::string& shard,
                                     const po::variables_map& vm) {
  if (!shard.empty()) cells = shard_cells(cells, shard);
  if (!vm.count("cell")) return cells;
  const int64_t cell = vm["cell"].as<int64_t>();
  if (cell < 0 || cell >= static_cast<int64_t>(cells.size()))
    throw InputError("--cell " + std::to_string(cell) + " out of range (0.." +
                     std::to_string(cells.size() - 1) + ")");
  return {cells[static_cast<size_t>(cell)]};
}

void list_cells(const std::vector<MatrixCell>& cells, const std::string& out) {
  for (const auto& c : cells) {
    const CellFile f = inspect_cell_file(cell_report_path(out, c));
    std::cout << c.id << "  "
              << (f == CellFile::kDone    ? "done   "
                  : f == CellFile::kRerun ? "rerun  "
                                          : "pending")
              << "  " << c.dataset << "  " << c.model.label() << "  " << c.selector.label()
              << "  seed " << c.seed << "  fold " << c.fold << "\n";
  }
  std::cout << cells.size() << " cells\n";
}

int run_cell(const std::vector<MatrixCell>& all, const std::string& id, const MatrixRunOptions& o,
             const std::vector<std::string>& args) {
  for (const auto& c : all)
    if (c.id == id) {
      std::vector<std::string> argv = {"d2ace-bench", "matrix"};
      argv.insert(argv.end(), args.begin(), args.end());
      return run_matrix_cell(c, o.out, o.threads, argv);
    }
  throw InputError("--run-cell " + id + ": no such cell in this matrix");
}

}  // namespace

int matrix(const std::vector<std::string>& args) {
  std::string shard;
  MatrixRunOptions o;
  po::options_description opts("matrix options");
  opts.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(&o.out), "output directory (cells/, logs/, the cell listing)")(
      "jobs", po::value<int>(&o.jobs)->default_value(0),
      "cells run at once (0: one per core; with --threads T, cores / T)")(
      "threads", po::value<int>(&o.threads)->default_value(0),
      "BLAS threads per cell (0: cores / jobs)")("shard", po::value<std::string>(&shard),
                                                 "run only shard i/n of the cells (0 <= i < n)")(
      "cell", po::value<int64_t>(),
      "run only the cell at this position in id order (a Slurm array task)")(
      "dry-run", "list the cells and their state; run nothing")("quiet,q", "no progress line")(
      "run-cell", po::value<std::string>(),
      "run the cell with this id in this process (what each cell's child process does)");
  Command cmd =
      parse_command(args, opts, "usage: d2ace-bench matrix CONFIG --out DIR [options]", 1, 1);
  if (cmd.exit_code) return *cmd.exit_code;
  if (o.out.empty()) throw InputError("matrix: --out DIR is required");
  if (o.jobs < 0) throw InputError("--jobs must be >= 0");
  if (o.threads < 0) throw InputError("--threads must be non-negative");
  MatrixConfig config = load_matrix_config(cmd.positional[0]);
  Registries reg;
  const std::vector<MatrixCell> all = expand_matrix(config, reg);  // bad input stops here
  if (cmd.vm.count("run-cell")) return run_cell(all, cmd.vm["run-cell"].as<std::string>(), o, args);
  const std::vector<MatrixCell> cells = chosen_cells(all, shard, cmd.vm);
  if (cmd.vm.count("dry-run")) {
    list_cells(cells, o.out);
    return 0;
  }
  check_writable_directory((std::filesystem::path(o.out) / "cells").string(), "--out");
  o.config = std::filesystem::absolute(cmd.positional[0]).string();
  o.progress = !cmd.vm.count("quiet");
  o.executable = self_executable();
  MatrixOutcome r = run_matrix(config, all, cells, o);
  std::cout << "matrix " << config.name << ": " << r.total << " cells, " << r.skipped
            << " already finished, " << r.done << " run, " << r.failed << " failed; reports in "
            << o.out << "/cells\n";
  return r.failed ? 1 : 0;
}

}  // namespace d2ace::cli
