// Comparison matrices: a JSON config names datasets x models x selectors (with parameters) x seeds
// x folds, plus the `run` settings they share; each combination is a cell with a stable id: its
// ExperimentConfig is built directly from the config, and it runs in its own child process
// (`d2ace-bench matrix CONFIG --out DIR --run-cell ID`) that writes its own report (atomically). A
// rerun skips the finished cells and runs again the missing, broken (unreadable) and failed ones,
// so a killed matrix resumes with nothing lost. `merge` reads a matrix directory into one summary;
// `compare` checks a summary against a reference, metric by metric, in each metric's direction.
//
// Config (configs/*.json):
//   {"name": "ci", "description": "...",
//    "datasets": ["yeast", "synthetic:n=400"],
//    "models": ["mlp", {"name": "clif", "params": {"hidden": "64"}}],
//    "selectors": ["uniform", {"name": "d2ace", "params": {"label_weights": "off"}}],
//    "seeds": [55], "folds": 5, "only_folds": [0, 1],
//    "settings": {"epochs": 30, "protocol": "d2ace-paper", "drop-unlabelled": true}}
// `settings` holds any `run` option by its flag name (true for a switch); the matrix sets dataset,
// model, selector, their params, seed, folds, fold, threads, out and quiet itself.
// With "split-file" in the settings, "folds" must equal the file's fold count, and a hash of the
// file's bytes enters every cell id (a changed file means new cells).
// A component's label is its name, followed by its parameters as [k=v,...] when it has any: the
// label is what merge groups by and what tables show.
//
// Directory: DIR/cells/<id>.json (one `run` report per cell, carrying the cell's id and labels
// under "matrix_cell", so merge needs nothing else), DIR/logs/<id>.log (the child's output),
// DIR/matrix-<name>.json (the config and the list of every cell, for people and --dry-run).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bench/experiment.h"
#include "bench/report.h"

namespace d2ace {

struct MatrixComponent {
  std::string name;
  std::map<std::string, std::string> params;
  std::string label() const;
};

struct MatrixConfig {
  std::string name, description;
  std::vector<std::string> datasets;
  std::vector<MatrixComponent> models, selectors;
  std::vector<uint64_t> seeds{55};
  int64_t folds = 5;
  std::vector<int64_t> only_folds;  // empty: every fold
  std::map<std::string, std::string> settings;
  Json source;  // the config as read
};

// Reads and checks a config (InputError with the file name on anything malformed).
MatrixConfig load_matrix_config(const std::string& path);

struct MatrixCell {
  std::string id;  // 16 hex digits: a hash of key() and the model's and selector's versions
  std::string dataset;
  MatrixComponent model, selector;
  uint64_t seed = 55;
  int64_t folds = 5, fold = 0;
  std::map<std::string, std::string> settings;
  ExperimentConfig config;  // what the cell runs: one fold of one experiment
  Json key() const;         // the cell's normalised configuration
  Json labels() const;      // {id, dataset, model, selector, seed, fold}: what merge groups by
};

// Every cell, in id order, with its ExperimentConfig: the settings are read as `run` reads its
// options, then the cell's own axes are set. Each cell is checked as `run` would check it and its
// model and selector are built once (their parameter values are checked when built), so a bad
// name, parameter or setting fails here, before anything runs.
std::vector<MatrixCell> expand_matrix(const MatrixConfig& config, const Registries& registries);

// "i/n" (0 <= i < n): the cells whose position in id order is i modulo n.
std::vector<MatrixCell> shard_cells(const std::vector<MatrixCell>& cells, const std::string& shard);

// DIR/cells/<id>.json: where a matrix under DIR keeps the cell's report.
std::string cell_report_path(const std::string& dir, const MatrixCell& cell);

enum class CellFile { kMissing, kDone, kRerun };
// kDone: a readable report whose cell finished (done or diverged); kRerun: unreadable, or the cell
// failed with an error.
CellFile inspect_cell_file(const std::string& path);

struct MatrixRunOptions {
  std::string config;  // the config file the children read
  std::string out;
  int jobs = 0;     // cells at once; 0: choose_parallelism (one per core)
  int threads = 0;  // per job; 0: cores / jobs
  bool progress = true;
  std::string executable;  // the d2ace-bench binary that runs each cell
};

struct MatrixOutcome {
  int64_t total = 0, skipped = 0, done = 0, failed = 0;
};

// Runs those of `cells` not already finished under options.out, `jobs` at a time, each in a child
// process; `all` (the whole matrix) goes into the directory's listing.
MatrixOutcome run_matrix(const MatrixConfig& config, const std::vector<MatrixCell>& all,
                         const std::vector<MatrixCell>& cells, const MatrixRunOptions& options);

// Runs one cell in this process and writes its report to cell_report_path(out, cell).
// Returns 0 when the cell finished, 1 when it did not.
int run_matrix_cell(const MatrixCell& cell, const std::string& out, int threads,
                    const std::vector<std::string>& argv);

// The summary of a matrix directory (or of any directory of `run` reports):
//   {schema_version, kind: "summary", groups: [{dataset, model, selector, cells, done,
//    metrics: {name: {mean, std, n, direction}}, timings, efficiency_vs_uniform}],
//    cells: [{dataset, model, selector, seed, fold, id, state, metrics: {name: value}, timings,
//    efficiency_vs_uniform}]}
// efficiency_vs_uniform (bench/efficiency.h) is there for a finished non-uniform cell whose
// dataset, model, seed and fold have a finished `uniform` cell, and for a group with such cells.
// Groups and cells are sorted, so the same reports always give the same document.
Json merge_reports(const std::string& dir);

struct Comparison {
  std::vector<std::string> regressions, improvements, missing_in_current, missing_in_reference;
  int64_t compared = 0;
};

// Compares two summaries cell by cell (dataset, model, selector, seed, fold) and metric by metric.
// A change against a metric's direction larger than its tolerance is a regression; tolerances map
// metric names (or "all") to absolute values. Timings are never compared. InputError when either
// is not a summary or a cell lacks what is compared (names, seed, fold, state, numeric metrics).
Comparison compare_summaries(const Json& reference, const Json& current,
                             const std::map<std::string, double>& tolerances);

}  // namespace d2ace
