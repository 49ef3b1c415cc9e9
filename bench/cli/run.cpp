// d2ace-bench run: one dataset x model x selector over the folds of a split, one report.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "bench/cli/cli.h"
#include "bench/console.h"
#include "bench/process.h"
#include "bench/provenance.h"
#include "bench/run_options.h"

namespace d2ace::cli {

int run(const std::vector<std::string>& args, const std::vector<std::string>& argv) {
  RunOptions r = parse_run_options(args);
  if (!r.help.empty()) {
    std::cout << r.help;
    return 0;
  }
  // Refused before any data is read or trained on: a report that cannot be written.
  check_writable_directory(std::filesystem::path(r.out).parent_path().string(), "--out");
  // The folds to run decide the split: a one-fold run keeps every core for itself.
  const int64_t folds = !r.config.only_folds.empty()
                            ? static_cast<int64_t>(r.config.only_folds.size())
                        : r.config.split == SplitMode::kOfficial ? 1
                                                                 : r.config.folds;
  const int cores = core_count();
  const Parallelism split = choose_parallelism(r.jobs, r.threads, folds, cores);
  configure_threads(split.threads, r.intra_op_threads);
  FoldProcesses processes{split.jobs,
                          split.threads,
                          self_executable(),
                          args,
                          r.out,
                          /*spread_last_wave=*/r.threads == 0,
                          cores};
  const RunDocument doc =
      run_experiment(r.config, argv, ProgressLine(!r.quiet && isatty(STDERR_FILENO)), &processes);
  const Json written = doc.to_json();
  write_json_atomically(r.out, written);

  ConsoleReport console(std::cout);
  const int failed = console.failures(doc.cells);
  console.table(doc.cells);
  console.timing_line(written);
  std::cout << "report: " << r.out << "\n";
  return failed ? 1 : 0;
}

}  // namespace d2ace::cli
