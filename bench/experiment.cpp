#include "bench/experiment.h"

#include <torch/cuda.h>
#include <torch/utils.h>

#include <filesystem>
#include <iostream>

#include "baselines/baselines.h"
#include "bench/process.h"
#include "bench/provenance.h"
#include "core/error.h"
#include "core/seeds.h"
#include "core/timing.h"
#include "d2ace/d2ace.h"
#include "datasets/catalog.h"

namespace d2ace {
namespace {

Json params_json(const Params& p) {
  Json j = Json::object();
  for (const auto& [k, v] : p.resolved()) j[k] = v;
  return j;
}

}  // namespace

Registries::Registries() {
  register_baselines(selectors);
  register_d2ace(selectors);
  register_models(models);
}

ComponentParams check_settings(const ExperimentConfig& config, const Registries& registries) {
  const TrainerConfig& t = config.trainer;
  if (t.epochs < 1) throw InputError("--epochs must be at least 1");
  if (t.batch_size < 1) throw InputError("--batch-size must be at least 1");
  if (!(t.learning_rate > 0)) throw InputError("--lr must be positive");
  if (!(t.weight_decay >= 0)) throw InputError("--weight-decay must be non-negative");
  if (!(t.lr_warmup_epochs >= 0)) throw InputError("--lr-warmup-epochs must be non-negative");
  if (!(t.threshold.value > 0 && t.threshold.value < 1))
    throw InputError("--threshold must be in (0, 1)");
  if (t.threshold.tuned() && !(config.validation_fraction > 0))
    throw InputError("--threshold " + t.threshold.text() +
                     " is chosen on the validation part, but --validation is 0");
  if (!(t.lr_decay_ratio > 0 && t.lr_decay_ratio <= 1))
    throw InputError("--lr-decay-ratio must be in (0, 1]");
  // More decays than epochs (a protocol's schedule over a shortened run) decay once per epoch.
  if (t.lr_decay_times < 0) throw InputError("--lr-decay-times must be non-negative");
  if (t.stop_at.active() && !(config.validation_fraction > 0))
    throw InputError("--stop-at " + t.stop_at.text() +
                     " reads the validation part, but --validation is 0");
  if (config.device != "cpu" && config.device != "cuda")
    throw InputError("--device must be cpu or cuda, got '" + config.device + "'");
  if (config.device == "cuda" && !torch::cuda::is_available())
    throw InputError("--device cuda: this LibTorch build sees no CUDA device");
  const auto& model_entry = registries.models.get(config.model);
  const auto& selector_entry = registries.selectors.get(config.selector);
  return {
      Params("model '" + config.model + "'", model_entry.params, config.model_params),
      Params("selector '" + config.selector + "'", selector_entry.params, config.selector_params)};
}

Experiment::Experiment(const ExperimentConfig& config, const Registries& registries)
    : config_(config), registries_(registries) {
  // Names and parameters first: cheap, and a typo should not wait for a large file to load.
  ComponentParams params = check_settings(config, registries);
  model_params_ = params.model;
  selector_params_ = params.selector;

  // The split file's shape before the data: it is small, and a typo should fail fast.
  if (config.split == SplitMode::kFile) split_file_ = read_split_file(config.split_file);

  data_ = load_dataset({config.dataset, config.labels_xml, config.data_dir, config.keep_ratio});
  const int64_t rows_read = data_.rows();
  std::vector<int64_t> kept_rows;  // the rows as read that --drop-unlabelled keeps
  if (config.drop_rare_labels >= 0) data_ = prune_rare_labels(data_, config.drop_rare_labels);
  if (config.drop_unlabelled) data_ = drop_unlabelled_instances(data_, &kept_rows);
  // A model that reads images keeps the pixels (data_.is_image() stays true); a tabular model
  // sees them as features.
  if (data_.is_image() && !reads_images(config.model)) {
    data_.X = data_.X.to(torch::kFloat).div_(255);
    data_.image_shape.clear();
    data_.notices.push_back("pixels read as features in [0, 1] for model '" + config.model + "'");
  }
  if (!torch::isfinite(data_.X).all().item<bool>())
    throw InputError("dataset '" + data_.name + "' has NaN or infinite features");

  split_seed_ = derive_seed(config.seed, {"split", data_.name});
  validation_seed_ = derive_seed(config.seed, {"validation", data_.name});
  SplitSpec spec;
  spec.mode = config.split;
  spec.folds = config.folds;
  spec.validation_fraction = config.validation_fraction;
  spec.seed = split_seed_;
  spec.validation_seed = validation_seed_;
  spec.file = &split_file_;
  spec.rows_read = rows_read;
  spec.source_rows = kept_rows;
  splits_ = make_splits(data_, spec);
  if (config.only_folds.empty()) {
    for (int64_t f = 0; f < static_cast<int64_t>(splits_.size()); ++f) folds_.push_back(f);
  } else {
    for (int64_t f : config.only_folds) {
      if (f < 0 || f >= static_cast<int64_t>(splits_.size()))
        throw InputError("--fold " + std::to_string(f) + " out of range (0.." +
                         std::to_string(splits_.size() - 1) + ")");
      folds_.push_back(f);
    }
  }
  fit_scalers();
  // Build one model and selector now so that parameter values are checked before training.
  registries.models.get(config.model)
      .make(model_params_,
            {data_.features(), data_.labels(), data_.Y, config.seed, data_.image_shape});
  registries.selectors.get(config.selector).make(selector_params_);
}

void Experiment::fit_scalers() {
  if (data_.is_image()) {  // the model normalises its pixels per batch
    for (int64_t fold : folds_) scalers_[fold] = Scaler{};
    return;
  }
  const torch::Tensor column_min = std::get<0>(data_.X.min(0)),
                      column_max = std::get<0>(data_.X.max(0));
  // Fitted on the training part; on every instance only when asked (the released pipeline's
  // leak), then once for all folds.
  const Scaler on_all = config_.scale_on_all_data ? fit_scaler(config_.scaling, data_.X) : Scaler{};
  for (int64_t fold : folds_) {
    const Scaler scaler =
        config_.scale_on_all_data
            ? on_all
            : fit_scaler(config_.scaling, data_.X.index_select(0, splits_[fold].train));
    const int64_t column = first_unscalable_column(scaler, column_min, column_max);
    if (column >= 0) {
      const auto at = static_cast<size_t>(column);
      const std::string name =
          at < data_.feature_names.size() ? "'" + data_.feature_names[at] + "' " : "";
      throw InputError("dataset '" + data_.name + "': feature " + name + "(column " +
                       std::to_string(column) + ", values from " +
                       Json(column_min[column].item<double>()).dump() + " to " +
                       Json(column_max[column].item<double>()).dump() +
                       ") does not scale to finite single-precision values with --scaling " +
                       to_string(config_.scaling) + "; rescale it in the file");
    }
    scalers_[fold] = scaler;
  }
}

Json Experiment::identity(int64_t fold, const Split& split, const Json& model_params,
                          const Json& selector_params, const std::string& model_version,
                          const std::string& selector_version) const {
  const ExperimentConfig& c = config_;
  Json id;
  id["dataset"] = {
      {"name", data_.name},           {"instances", data_.rows()},
      {"features", data_.features()}, {"feature_attributes", data_.feature_attributes},
      {"labels", data_.labels()},     {"cardinality", data_.Y.sum(1).mean().item<double>()},
      {"notices", data_.notices}};
  if (data_.is_image()) id["dataset"]["image"] = data_.image_shape;  // {C, H, W}
  const char* mode = c.split == SplitMode::kOfficial ? "official"
                     : c.split == SplitMode::kFile   ? "file"
                                                     : "kfold";
  id["split"] = {{"mode", mode},
                 {"folds", static_cast<int64_t>(splits_.size())},
                 {"fold", fold},
                 {"validation_fraction", c.validation_fraction},
                 {"train", split.train.size(0)},
                 {"validation", split.validation.size(0)},
                 {"test", split.test.size(0)}};
  if (c.split == SplitMode::kFile) {  // the file's name and a hash of its bytes, not its path
    id["split"]["file"] = std::filesystem::path(split_file_.path).filename().string();
    id["split"]["file_digest"] = split_file_.digest;
  }
  id["preprocessing"] = {
      {"scaling",
       data_.is_image() ? "none (the model maps pixels to [-1, 1])" : to_string(c.scaling)},
      {"fitted_on", c.scale_on_all_data ? "all" : "train"},
      {"keep_ratio", c.keep_ratio ? Json(*c.keep_ratio) : Json("catalog default")},
      {"drop_rare_labels", c.drop_rare_labels},
      {"drop_unlabelled", c.drop_unlabelled}};
  id["protocol"] = c.protocol;
  id["model"] = {{"name", c.model}, {"version", model_version}, {"params", model_params}};
  id["selector"] = {
      {"name", c.selector}, {"version", selector_version}, {"params", selector_params}};
  const TrainerConfig& t = c.trainer;
  id["trainer"] = {
      {"epochs", t.epochs},
      {"batch_size", t.batch_size},
      {"optimizer", "adam"},
      {"learning_rate", t.learning_rate},
      {"weight_decay", t.weight_decay},
      {"lr_warmup_epochs", t.lr_warmup_epochs},
      {"checkpoint", to_string(t.checkpoint)},
      {"selection_metric", "validation macro_auc"},
      {"threshold", t.threshold.tuned() ? Json(t.threshold.text()) : Json(t.threshold.value)},
      {"device", c.device}};
  // Only when given, so that the ids of cells without them stay as they were.
  if (t.stop_at.active()) id["trainer"]["stop_at"] = t.stop_at.text();
  if (t.single_param_group) id["trainer"]["param_groups"] = "single";
  if (c.lr_warmup_over_fold) id["trainer"]["lr_warmup_basis"] = "fold";
  if (t.lr_decay_times > 0)
    id["trainer"]["lr_decay"] = {{"ratio", t.lr_decay_ratio}, {"times", t.lr_decay_times}};
  id["seeds"] = {{"base", c.seed},
                 {"split", split_seed_},
                 {"validation", validation_seed_},
                 {"model", derive_seed(c.seed, {"model", data_.name, std::to_string(fold)})},
                 {"selector",
                  derive_seed(c.seed, {"selector", c.selector, data_.name, std::to_string(fold)})}};
  return id;
}

std::vector<Json> Experiment::run(const std::function<void(const CellProgress&)>& progress) {
  std::vector<Json> reports;
  const torch::Device device(config_.device == "cuda" ? torch::kCUDA : torch::kCPU);
  const Json model_params = params_json(model_params_);
  const Json selector_params = params_json(selector_params_);
  for (size_t k = 0; k < folds_.size(); ++k) {
    const int64_t fold = folds_[k];
    const Split& split = splits_[fold];
    const auto t0 = Clock::now();
    Json prov = provenance_json(config_.device);
    prov["start"] = utc_now();
    const auto& model_entry = registries_.models.get(config_.model);
    const auto& selector_entry = registries_.selectors.get(config_.selector);
    std::shared_ptr<MultiLabelModel> model;
    std::unique_ptr<Selector> selector;
    Json id;
    try {
      const torch::Tensor X_train = data_.X.index_select(0, split.train),
                          Y_train = data_.Y.index_select(0, split.train);
      const uint64_t model_seed =
          derive_seed(config_.seed, {"model", data_.name, std::to_string(fold)});
      torch::manual_seed(model_seed);
      model = model_entry.make(model_params_, {data_.features(), data_.labels(), Y_train,
                                               model_seed, data_.image_shape});
      selector = selector_entry.make(selector_params_);
      id = identity(fold, split, model_params, selector_params, model_entry.version,
                    selector_entry.version);

      const Scaler& scaler = scalers_.at(fold);
      auto part = [&](const torch::Tensor& rows) {
        return EvalData{scaler.apply(data_.X.index_select(0, rows)).to(device),
                        data_.Y.index_select(0, rows).to(device)};
      };
      EvalData train{scaler.apply(X_train).to(device), Y_train.to(device)};
      EvalData validation = part(split.validation), test = part(split.test);
      TrainingPool pool;
      pool.X = train.X;
      pool.Y = train.Y;
      pool.batch_size = config_.trainer.batch_size;
      pool.epochs = config_.trainer.epochs;
      pool.seed = id["seeds"]["selector"].get<uint64_t>();
      model->to(device);

      TrainerConfig trainer = config_.trainer;
      if (config_.lr_warmup_over_fold) {
        const int64_t fold_rows = split.train.size(0) + split.validation.size(0);
        const int64_t whole_batches = fold_rows / trainer.batch_size;  // floor, as released
        trainer.lr_warmup_steps =
            std::llround(trainer.lr_warmup_epochs * static_cast<double>(whole_batches));
      }
      TrainingResult result = train_and_test(
          *model, *selector, pool, validation, test, trainer, [&](const EpochRecord& e) {
            if (progress) progress({static_cast<int64_t>(k), cells(), &e, config_.trainer.epochs});
          });
      prov["end"] = utc_now();
      reports.push_back(cell_report(id, prov, result, seconds_since(t0)));
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& e) {
      prov["end"] = utc_now();
      if (id.is_null()) id = Json{{"dataset", {{"name", data_.name}}}, {"fold", fold}};
      std::string message = e.what();
      reports.push_back(
          failed_cell_report(id, prov, "error", message.substr(0, message.find('\n'))));
    }
    if (progress) progress({static_cast<int64_t>(k) + 1, cells(), nullptr, config_.trainer.epochs});
  }
  return reports;
}

int FoldProcesses::threads_of(int64_t k, int64_t folds) const {
  const int64_t last_wave = folds % jobs;
  if (!spread_last_wave || last_wave == 0 || k < folds - last_wave) return threads;
  return std::max(1, cores / static_cast<int>(last_wave));
}

namespace {

// The folds of `experiment`, each in a child process (FoldProcesses), `jobs` at a time; the cell
// reports in fold order. A fold whose process failed becomes a failed cell naming its log; one
// that could not write its report (OutputError's exit code) ends the run with an OutputError, so
// that a full disk never replaces an earlier report with one of failed cells.
std::vector<Json> run_fold_processes(const Experiment& experiment, const ExperimentConfig& config,
                                     const FoldProcesses& p,
                                     const std::function<void(const CellProgress&)>& progress) {
  const std::vector<int64_t>& folds = experiment.folds();
  std::vector<Json> cells(folds.size());
  auto path = [&](int64_t fold, const char* ext) {
    return p.work_prefix + ".fold" + std::to_string(fold) + ".tmp." + ext;
  };
  std::error_code ec;
  const auto dir = std::filesystem::path(p.work_prefix).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);  // the logs go there first
  int64_t finished = 0;
  const auto count = static_cast<int64_t>(folds.size());
  run_children(
      folds.size(), p.jobs,
      [&](size_t k) {
        const int64_t fold = folds[k];
        std::vector<std::string> args{p.executable, "run"};
        args.insert(args.end(), p.run_args.begin(), p.run_args.end());
        for (const std::string& a :
             {std::string("--fold-process"), std::to_string(fold), std::string("--fold-report"),
              path(fold, "json"), std::string("--fold-threads"),
              std::to_string(p.threads_of(static_cast<int64_t>(k), count))})
          args.push_back(a);
        return spawn(args, path(fold, "log"));
      },
      [&](size_t k, int exit_code, size_t) {
        const int64_t fold = folds[k];
        const std::string report = path(fold, "json"), log = path(fold, "log");
        if (std::filesystem::exists(report, ec)) {
          cells[k] = read_json_file(report).at("cells").at(0);
          std::filesystem::remove(report, ec);
          std::filesystem::remove(log, ec);
        } else if (exit_code == OutputError::kExitCode) {
          std::string why = last_line_of(log);
          const std::string prefix = kErrorLinePrefix;
          if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
          throw OutputError("cannot write the report " + p.work_prefix + ": fold " +
                            std::to_string(fold) + "'s process could not write its part: " + why);
        } else {
          Json id{{"dataset", {{"name", experiment.data().name}}}, {"fold", fold}};
          cells[k] = failed_cell_report(
              id, provenance_json(config.device), "error",
              "fold " + std::to_string(fold) + "'s process exited with code " +
                  std::to_string(exit_code) + " (" + last_line_of(log) + "; log: " + log + ")");
        }
        if (progress) progress({++finished, experiment.cells(), nullptr, config.trainer.epochs});
      });
  return cells;
}

}  // namespace

RunDocument run_experiment(const ExperimentConfig& config, const std::vector<std::string>& command,
                           const std::function<void(const CellProgress&)>& progress,
                           const FoldProcesses* processes) {
  Registries registries;
  Experiment experiment(config, registries);  // bad input stops here, before any report exists
  for (const auto& n : experiment.data().notices)
    std::cerr << "notice: " << experiment.data().name << ": " << n << "\n";
  const bool parallel = processes && processes->jobs > 1 && experiment.cells() > 1;
  RunDocument doc{command,
                  {},
                  parallel ? run_fold_processes(experiment, config, *processes, progress)
                           : experiment.run(progress),
                  nullptr};
  doc.provenance = provenance_json(config.device);
  if (processes) doc.provenance["jobs"] = parallel ? processes->jobs : 1;
  return doc;
}

}  // namespace d2ace
