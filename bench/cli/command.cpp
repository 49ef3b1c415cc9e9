#include <filesystem>
#include <iostream>

#include "bench/cli/cli.h"
#include "core/error.h"

namespace po = boost::program_options;

namespace d2ace::cli {

Command parse_command(const std::vector<std::string>& args, const po::options_description& opts,
                      const std::string& usage, int least, int most) {
  po::options_description all;
  all.add(opts);
  po::options_description hidden;
  hidden.add_options()("positional", po::value<std::vector<std::string>>(), "positional arguments");
  all.add(hidden);
  po::positional_options_description pos;
  pos.add("positional", most);
  Command c;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), c.vm);
    po::notify(c.vm);
  } catch (const po::error& e) {
    throw InputError(e.what());
  }
  if (c.vm.count("positional")) c.positional = c.vm["positional"].as<std::vector<std::string>>();
  if (c.vm.count("help") || static_cast<int>(c.positional.size()) < least) {
    std::cout << usage << "\n\n" << opts;
    c.exit_code = c.vm.count("help") ? 0 : 2;
  }
  return c;
}

std::string self_executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot locate the d2ace-bench executable");
  return p.string();
}

}  // namespace d2ace::cli
