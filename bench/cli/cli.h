// d2ace-bench's commands, one file each in bench/cli/; bench/main.cpp dispatches to them. Each
// takes its arguments without the command name and returns the exit code: 0 success, 1 a cell or
// check did not pass, 2 bad input (they throw InputError, which main turns into one line).
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

namespace d2ace::cli {

int run(const std::vector<std::string>& args, const std::vector<std::string>& argv);
int list(const std::vector<std::string>& args);
int inspect(const std::vector<std::string>& args);
int summary(const std::vector<std::string>& args);
int matrix(const std::vector<std::string>& args);
int merge(const std::vector<std::string>& args);
int compare(const std::vector<std::string>& args);
int slurm(const std::vector<std::string>& args);

// A subcommand's parsed arguments: the options and, positionally, at least `least` and at most
// `most` values (most < 0: any number). Unknown options, bad values and extra positional values
// become InputError. With --help, or with too few positional values, the usage line and the
// options are printed and `exit_code` is set (0 for --help, else 2): the command returns it.
struct Command {
  boost::program_options::variables_map vm;
  std::vector<std::string> positional;
  std::optional<int> exit_code;
};
Command parse_command(const std::vector<std::string>& args,
                      const boost::program_options::options_description& opts,
                      const std::string& usage, int least, int most);

// The path of the running d2ace-bench binary (matrix cells and Slurm jobs run it).
std::string self_executable();

}  // namespace d2ace::cli
