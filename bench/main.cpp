// d2ace-bench: the command-line interface. Each command lives in bench/cli/<command>.cpp.
//
//   d2ace-bench run --dataset NAME|PATH [--model mlp] [--selector uniform] [--folds K] ...
//   d2ace-bench list datasets|models|selectors
//   d2ace-bench inspect PATH_OR_NAME [--xml FILE] [--json]
//   d2ace-bench summary REPORT...
//   d2ace-bench matrix CONFIG --out DIR [--jobs N] [--threads T] [--shard i/n]
//   d2ace-bench merge DIR [--out FILE]
//   d2ace-bench compare REFERENCE CURRENT [--tolerance metric=value]...
//   d2ace-bench slurm CONFIG --out DIR [sbatch options] [--failed-only] [--submit]
//
// Exit codes: 0 success; 1 a cell did not finish (its status says why; the report is written);
// 2 bad input (one line on stderr, no report written); 3 a report could not be written (one
// line; an earlier report at that path is unchanged).
#include <functional>
#include <iostream>
#include <map>

#include "bench/allocator.h"
#include "bench/cli/cli.h"
#include "core/error.h"

namespace {

const char* kUsage =
    "usage: d2ace-bench <command> [options]\n"
    "\n"
    "commands:\n"
    "  run       train and test one dataset x model x selector over the folds of a split\n"
    "  list      list datasets, models or selectors\n"
    "  inspect   describe a dataset (instances, features, labels, cardinality, ...)\n"
    "  summary   print a comparison table from run reports\n"
    "  matrix    run every cell of a matrix config (resumable, parallel, shardable)\n"
    "  merge     summarise a matrix directory into one JSON (mean, std, count per group)\n"
    "  compare   check a summary against a reference; exit 1 on a regression\n"
    "  slurm     write (and --submit) Slurm array jobs for a matrix, and a merge job after them\n"
    "\n"
    "'d2ace-bench <command> --help' describes a command's options.\n";

using Args = std::vector<std::string>;

int dispatch(const std::string& command, const Args& args, const Args& argv) {
  namespace cli = d2ace::cli;
  static const std::map<std::string, std::function<int(const Args&)>> commands = {
      {"list", cli::list},     {"inspect", cli::inspect}, {"summary", cli::summary},
      {"matrix", cli::matrix}, {"merge", cli::merge},     {"compare", cli::compare},
      {"slurm", cli::slurm}};
  if (command == "run") return cli::run(args, argv);
  auto it = commands.find(command);
  if (it == commands.end())
    throw d2ace::InputError("unknown command '" + command +
                            "' (expected run, list, inspect, summary, matrix, merge, compare or "
                            "slurm)");
  return it->second(args);
}

}  // namespace

int main(int argc, char** argv) {
  d2ace::tune_allocator();
  const Args all(argv, argv + argc);
  if (argc < 2 || all[1] == "--help" || all[1] == "-h" || all[1] == "help") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  try {
    return dispatch(all[1], Args(all.begin() + 2, all.end()), all);
  } catch (const d2ace::InputError& e) {
    std::cerr << d2ace::kErrorLinePrefix << e.what() << "\n";
    return 2;
  } catch (const d2ace::OutputError& e) {
    std::cerr << d2ace::kErrorLinePrefix << e.what() << "\n";
    return d2ace::OutputError::kExitCode;
  } catch (const std::exception& e) {
    std::string message = e.what();
    std::cerr << "d2ace-bench: failed: " << message.substr(0, message.find('\n')) << "\n";
    return 1;
  }
}
