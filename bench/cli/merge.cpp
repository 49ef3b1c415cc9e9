// d2ace-bench merge: a matrix directory summarised into one JSON (mean, std, count per group).
#include <filesystem>
#include <iostream>

#include "bench/cli/cli.h"
#include "bench/console.h"
#include "bench/matrix.h"

namespace po = boost::program_options;

namespace d2ace::cli {

int merge(const std::vector<std::string>& args) {
  std::string out;
  po::options_description opts("merge options");
  opts.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(&out), "summary file (default: DIR/summary.json)")("quiet,q",
                                                                                       "no table");
  Command cmd = parse_command(args, opts, "usage: d2ace-bench merge DIR [--out FILE]", 1, 1);
  if (cmd.exit_code) return *cmd.exit_code;
  const std::string dir = cmd.positional[0];
  Json summary = merge_reports(dir);
  if (out.empty()) out = (std::filesystem::path(dir) / "summary.json").string();
  write_json_atomically(out, summary);
  if (!cmd.vm.count("quiet")) ConsoleReport(std::cout).groups(summary["groups"]);
  std::cout << "summary: " << out << " (" << summary["cells"].size() << " cells, "
            << summary["groups"].size() << " groups)\n";
  return 0;
}

}  // namespace d2ace::cli
