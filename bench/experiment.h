// One experiment: a dataset, a model and a selector over the folds of a split. Loads and checks
// everything up front (bad input fails before any training), then runs one cell per fold.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/report.h"
#include "bench/trainer.h"
#include "core/selector.h"
#include "datasets/splits.h"
#include "models/model.h"

namespace d2ace {

struct Registries {
  SelectorRegistry selectors{"selector"};
  ModelRegistry models{"model"};
  Registries();  // registers every built-in selector and model
};

struct ExperimentConfig {
  // data
  std::string dataset = "synthetic";
  std::string labels_xml;
  std::string data_dir;  // resolved
  std::optional<double> keep_ratio;
  int64_t drop_rare_labels = -1;  // drop labels with <= K positives (-1: keep all)
  bool drop_unlabelled = false;
  Scaling scaling = Scaling::kStandard;
  bool scale_on_all_data = false;  // fit the scaler on every instance (the released pipeline, Q8)
  std::string protocol = "none";   // the preset the settings came from (recorded in the report)
  // split
  SplitMode split = SplitMode::kKFold;
  std::string split_file;           // kFile: the folds' file (--split-file)
  int64_t folds = 5;                // kKFold
  std::vector<int64_t> only_folds;  // empty: all
  double validation_fraction = 0.1;
  uint64_t seed = 55;
  // components
  std::string model = "mlp";
  std::map<std::string, std::string> model_params;
  std::string selector = "uniform";
  std::map<std::string, std::string> selector_params;
  TrainerConfig trainer;
  // --lr-warmup-basis fold: an epoch of warm-up is floor(N_fold / batch) steps, N_fold the
  // training part before the validation hold-out (the released loop), set per fold.
  bool lr_warmup_over_fold = false;
  std::string device = "cpu";
};

// The checks that need no data: trainer values, device, names and parameters (InputError). Returns
// the model's and the selector's resolved parameters.
struct ComponentParams {
  Params model, selector;
};
ComponentParams check_settings(const ExperimentConfig& config, const Registries& registries);

// How a run spreads its folds over child processes: `jobs` at once, each `executable run
// <run_args> --fold-process F --fold-report PATH --fold-threads T`, its report and log beside the
// run's report (`work_prefix`.fold<F>.tmp.json and .log, removed afterwards; a failed fold's log
// is kept). Each fold computes exactly what it computes in one process with as many threads.
// T is `threads`, except with `spread_last_wave` (the thread count was not given): the folds are
// taken in waves of `jobs`, and a last, smaller wave of r folds gets `cores` / r threads each, so
// that no core idles at the end (5 folds on 2 cores: 1, 1, 1, 1, 2). Which fold gets how many
// threads depends only on the fold count, `jobs` and `cores`, never on timing.
struct FoldProcesses {
  int jobs = 1, threads = 1;
  std::string executable;
  std::vector<std::string> run_args;
  std::string work_prefix;
  bool spread_last_wave = false;
  int cores = 1;
  // The BLAS threads of the k-th of `folds` folds.
  int threads_of(int64_t k, int64_t folds) const;
};

struct CellProgress;
// Runs every fold of `config` as `d2ace-bench run` does: loads and checks everything first
// (InputError on bad input, before any cell runs), prints the dataset's notices on stderr, runs
// the cells (in child processes when `processes` asks for more than one job and there is more
// than one fold) and records the provenance. `command` goes into the document as it is.
RunDocument run_experiment(const ExperimentConfig& config, const std::vector<std::string>& command,
                           const std::function<void(const CellProgress&)>& progress = {},
                           const FoldProcesses* processes = nullptr);

struct CellProgress {
  int64_t cell = 0, cells = 0;  // 0-based index, count
  const EpochRecord* epoch = nullptr;
  int64_t epochs = 0;
};

class Experiment {
 public:
  // Loads the data and checks every name and parameter; throws InputError on bad input.
  Experiment(const ExperimentConfig& config, const Registries& registries);

  int64_t cells() const { return static_cast<int64_t>(folds_.size()); }
  const std::vector<int64_t>& folds() const { return folds_; }
  const Dataset& data() const { return data_; }

  // Runs every cell; returns the cell reports (a failure inside a cell becomes its status).
  std::vector<Json> run(const std::function<void(const CellProgress&)>& progress = {});

 private:
  Json identity(int64_t fold, const Split& split, const Json& model_params,
                const Json& selector_params, const std::string& model_version,
                const std::string& selector_version) const;

  // Fills scalers_ for the folds to run; InputError naming the column whose scaled values would
  // not be finite (a NaN or an infinity never reaches a model or a selector).
  void fit_scalers();

  ExperimentConfig config_;
  const Registries& registries_;
  Dataset data_;
  std::vector<Split> splits_;
  // Each fold's feature scaler, fitted up front (on its training part, or on every instance) so
  // that features that would not scale to finite values are refused before any training.
  std::map<int64_t, Scaler> scalers_;
  SplitFile split_file_;  // kFile
  std::vector<int64_t> folds_;
  Params model_params_, selector_params_;
  uint64_t split_seed_ = 0, validation_seed_ = 0;
};

}  // namespace d2ace
