// What d2ace-bench prints for people: the comparison table (one row per dataset x model x
// selector: mean ± std of the headline metrics and the selection share), the failed cells, the
// timing line of a run, and the run's progress line. Kept apart from the commands so that tests
// can check them on their own (tests/bench/test_console.cpp holds them against a golden file).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "bench/experiment.h"
#include "bench/report.h"
#include "core/timing.h"

namespace d2ace {

// `x` with `precision` decimals; "nan" when not finite.
std::string fixed(double x, int precision = 4);

// The cells of a run or cell document; InputError naming `path` for anything else.
std::vector<Json> cells_of(const Json& doc, const std::string& path);

class ConsoleReport {
 public:
  explicit ConsoleReport(std::ostream& out) : out_(out) {}

  // Groups `cells` by dataset, model and selector (in first-seen order) and prints the table.
  void table(const std::vector<Json>& cells);
  // Prints the table of summarised groups: [{dataset, model, selector} + summarize_cells' fields].
  void groups(const Json& groups);
  // One line per cell that did not finish: "cell <fold>: <state>: <message>". Returns their count.
  int failures(const std::vector<Json>& cells);
  // "time per cell (mean): training ..., selection ..., evaluation ..., wall ... (BLAS, threads)"
  // from a run document's summary and provenance; nothing when no cell finished.
  void timing_line(const Json& run_document);

 private:
  std::ostream& out_;
};

// The run's progress line on stderr ("[cell 1/5] epoch 3/30 loss ... val macro-AUC ..."), redrawn
// in place; silent when `enabled` is false.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled);
  void operator()(const CellProgress& p) const;

 private:
  bool enabled_;
  Clock::time_point start_;
};

}  // namespace d2ace
