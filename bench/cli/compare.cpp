// d2ace-bench compare: a summary against a reference, metric by metric; exit 1 on a regression.
#include <cstdlib>
#include <iostream>

#include "bench/cli/cli.h"
#include "bench/matrix.h"
#include "core/error.h"
#include "core/metrics.h"
#include "core/params.h"

namespace po = boost::program_options;

namespace d2ace::cli {
namespace {

std::map<std::string, double> parse_tolerances(const std::vector<std::string>& given) {
  std::map<std::string, double> tolerances;
  for (const auto& [k, v] : Params::parse_assignments(given, "--tolerance")) {
    if (k != "all") metric_info(k);  // an unknown metric name is bad input
    char* end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || !(x >= 0))
      throw InputError("--tolerance " + k + ": expected a non-negative number, got '" + v + "'");
    tolerances[k] = x;
  }
  return tolerances;
}

}  // namespace

int compare(const std::vector<std::string>& args) {
  std::vector<std::string> given;
  po::options_description opts("compare options");
  opts.add_options()("help,h", "show this help")(
      "tolerance", po::value<std::vector<std::string>>(&given)->composing(),
      "metric=value: absolute change allowed against the metric's direction (repeatable; "
      "'all=value' for every metric; default 0)");
  Command cmd = parse_command(
      args, opts, "usage: d2ace-bench compare REFERENCE CURRENT [--tolerance metric=value]...", 2,
      2);
  if (cmd.exit_code) return *cmd.exit_code;
  const std::map<std::string, double> tolerances = parse_tolerances(given);
  Comparison c = compare_summaries(read_json_file(cmd.positional[0]),
                                   read_json_file(cmd.positional[1]), tolerances);
  for (const auto& line : c.regressions) std::cout << "REGRESSION  " << line << "\n";
  for (const auto& line : c.missing_in_current)
    std::cout << "MISSING     " << line << " (in the reference, not in the current summary)\n";
  for (const auto& line : c.improvements) std::cout << "improved    " << line << "\n";
  for (const auto& line : c.missing_in_reference)
    std::cout << "new         " << line << " (not in the reference)\n";
  std::cout << c.compared << " cells compared: " << c.regressions.size() << " regressions, "
            << c.missing_in_current.size() << " missing, " << c.improvements.size()
            << " improvements, " << c.missing_in_reference.size() << " new\n";
  return c.regressions.empty() && c.missing_in_current.empty() ? 0 : 1;
}

}  // namespace d2ace::cli
