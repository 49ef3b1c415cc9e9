#include "tests/support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace d2ace::test {
namespace fs = std::filesystem;

ExperimentConfig fold0_experiment(const std::string& dataset, int64_t epochs, int64_t batch_size) {
  ExperimentConfig c;
  c.dataset = dataset;
  c.folds = 3;
  c.only_folds = {0};
  c.trainer.epochs = epochs;
  c.trainer.batch_size = batch_size;
  return c;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string temp_path(const std::string& name) {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("d2ace_tests_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  static int counter = 0;
  return (dir / (std::to_string(counter++) + "_" + name)).string();
}

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

std::string python() {
  if (const char* p = std::getenv("D2ACE_PYTHON")) return p;
  return "/usr/bin/python3";
}

std::string shared_datasets() {
  if (const char* p = std::getenv("D2ACE_SHARED_DATA")) return fs::exists(p) ? p : "";
  fs::path p = fs::path(D2ACE_SOURCE_DIR) / ".." / "shared" / "datasets";
  return fs::exists(p / "MANIFEST.md") ? fs::canonical(p).string() : "";
}

CliResult run_cli(const std::string& args) {
  std::string out = temp_path("cli.out"), err = temp_path("cli.err");
  std::string cmd =
      std::string(D2ACE_CLI) + " " + args + " > " + out + " 2> " + err + " < /dev/null";
  int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

}  // namespace d2ace::test
