// d2ace-bench summary: the comparison table of run reports.
#include <iostream>

#include "bench/cli/cli.h"
#include "bench/console.h"
#include "core/error.h"

namespace po = boost::program_options;

namespace d2ace::cli {

int summary(const std::vector<std::string>& args) {
  po::options_description opts("summary options");
  opts.add_options()("help,h", "show this help");
  Command cmd = parse_command(
      args, opts,
      "usage: d2ace-bench summary REPORT.json...\n\n"
      "Prints mean ± std over folds of micro-F1, macro-F1, Hamming loss, macro-AUC and ranking\n"
      "loss, and the selection time as a share of the training time, one row per\n"
      "dataset x model x selector.",
      0, -1);
  if (cmd.exit_code) return *cmd.exit_code;
  if (cmd.positional.empty()) throw InputError("summary: give at least one report file");
  std::vector<Json> cells;
  for (const auto& path : cmd.positional)
    for (auto& c : cells_of(read_json_file(path), path)) cells.push_back(std::move(c));
  ConsoleReport(std::cout).table(cells);
  return 0;
}

}  // namespace d2ace::cli
