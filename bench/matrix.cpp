#include "bench/matrix.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "bench/console.h"
#include "bench/efficiency.h"
#include "bench/experiment.h"
#include "bench/process.h"
#include "bench/protocols.h"
#include "bench/provenance.h"
#include "bench/run_options.h"
#include "core/error.h"
#include "core/metrics.h"
#include "core/timing.h"
#include "datasets/catalog.h"

namespace d2ace {
namespace fs = std::filesystem;

namespace {

// What the matrix sets itself, never a config's `settings`.
const std::set<std::string> kReserved = {"dataset",        "model", "model-param", "selector",
                                         "selector-param", "seed",  "folds",       "fold",
                                         "threads",        "out",   "quiet",       "help"};

std::string scalar_text(const Json& v, const std::string& where) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  throw InputError(where + ": expected a string, number or boolean");
}

MatrixComponent component(const Json& j, const std::string& where) {
  MatrixComponent c;
  if (j.is_string()) {
    c.name = j.get<std::string>();
  } else if (j.is_object() && j.contains("name") && j["name"].is_string()) {
    c.name = j["name"].get<std::string>();
    if (j.contains("params")) {
      if (!j["params"].is_object()) throw InputError(where + ".params: expected an object");
      for (const auto& [k, v] : j["params"].items())
        c.params[k] = scalar_text(v, where + ".params." + k);
    }
    for (const auto& [k, v] : j.items())
      if (k != "name" && k != "params") throw InputError(where + ": unknown key '" + k + "'");
  } else {
    throw InputError(where + ": expected a name or {\"name\": ..., \"params\": {...}}");
  }
  if (c.name.empty()) throw InputError(where + ": empty name");
  return c;
}

std::vector<MatrixComponent> components(const Json& doc, const std::string& key,
                                        const std::string& file) {
  if (!doc.contains(key) || !doc[key].is_array() || doc[key].empty())
    throw InputError(file + ": '" + key + "' must be a non-empty array");
  std::vector<MatrixComponent> out;
  for (size_t i = 0; i < doc[key].size(); ++i)
    out.push_back(component(doc[key][i], file + ": " + key + "[" + std::to_string(i) + "]"));
  return out;
}

Json params_json(const std::map<std::string, std::string>& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long s = std::lround(seconds);
  char buffer[32];
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%02ld:%02ld", s / 60, s % 60);
  return buffer;
}

}  // namespace

std::string MatrixComponent::label() const {
  if (params.empty()) return name;
  std::string s = name + "[";
  bool first = true;
  for (const auto& [k, v] : params) {
    s += (first ? "" : ",") + k + "=" + v;
    first = false;
  }
  return s + "]";
}

MatrixConfig load_matrix_config(const std::string& path) {
  Json doc = read_json_file(path);
  if (!doc.is_object()) throw InputError(path + ": expected a JSON object");
  static const std::set<std::string> known = {"name",   "description", "datasets",
                                              "models", "selectors",   "seeds",
                                              "folds",  "only_folds",  "settings"};
  for (const auto& [k, v] : doc.items())
    if (!known.count(k)) throw InputError(path + ": unknown key '" + k + "'");
  MatrixConfig c;
  c.source = doc;
  for (const char* key : {"name", "description"})
    if (doc.contains(key) && !doc[key].is_string())
      throw InputError(path + ": '" + key + "' must be a string");
  c.name = doc.value("name", fs::path(path).stem().string());
  c.description = doc.value("description", "");
  if (!doc.contains("datasets") || !doc["datasets"].is_array() || doc["datasets"].empty())
    throw InputError(path + ": 'datasets' must be a non-empty array of names");
  for (const auto& d : doc["datasets"]) {
    if (!d.is_string()) throw InputError(path + ": 'datasets' must hold names (strings)");
    c.datasets.push_back(d.get<std::string>());
  }
  c.models = components(doc, "models", path);
  c.selectors = components(doc, "selectors", path);
  if (doc.contains("seeds")) {
    c.seeds.clear();
    if (!doc["seeds"].is_array() || doc["seeds"].empty())
      throw InputError(path + ": 'seeds' must be a non-empty array");
    for (const auto& s : doc["seeds"]) {
      if (!s.is_number_unsigned())
        throw InputError(path + ": 'seeds' must hold non-negative integers");
      c.seeds.push_back(s.get<uint64_t>());
    }
  }
  if (doc.contains("folds")) {
    if (!doc["folds"].is_number_integer() || doc["folds"].get<int64_t>() < 1)
      throw InputError(path + ": 'folds' must be a positive integer");
    c.folds = doc["folds"].get<int64_t>();
  }
  if (doc.contains("only_folds")) {
    if (!doc["only_folds"].is_array()) throw InputError(path + ": 'only_folds' must be an array");
    for (const auto& f : doc["only_folds"]) {
      if (!f.is_number_integer() || f.get<int64_t>() < 0 || f.get<int64_t>() >= c.folds)
        throw InputError(path + ": 'only_folds' entries must be fold numbers in 0.." +
                         std::to_string(c.folds - 1));
      c.only_folds.push_back(f.get<int64_t>());
    }
  }
  if (doc.contains("settings")) {
    if (!doc["settings"].is_object()) throw InputError(path + ": 'settings' must be an object");
    for (const auto& [k, v] : doc["settings"].items()) {
      if (kReserved.count(k))
        throw InputError(path + ": settings." + k + " is set by the matrix itself");
      c.settings[k] = scalar_text(v, path + ": settings." + k);
    }
  }
  auto split = c.settings.find("split");
  if (split != c.settings.end() && split->second == "official") {
    c.folds = 1;
    c.only_folds = {0};
  }
  return c;
}

Json MatrixCell::key() const {
  Json k;
  k["dataset"] = dataset;
  k["model"] = {{"name", model.name}, {"params", params_json(model.params)}};
  k["selector"] = {{"name", selector.name}, {"params", params_json(selector.params)}};
  k["seed"] = seed;
  k["folds"] = folds;
  k["fold"] = fold;
  k["settings"] = params_json(settings);
  return k;
}

Json MatrixCell::labels() const {
  return {{"id", id},
          {"dataset", dataset},
          {"model", model.label()},
          {"selector", selector.label()},
          {"seed", seed},
          {"fold", fold}};
}

namespace {

// The settings as `run` reads them (a config names `run` options by their flags), for `dataset`
// and, when given, `model` with its parameters: a --protocol preset depends on both (its recipe
// is the model's, and its model parameters go under the ones the config gives).
ExperimentConfig settings_config(const std::string& dataset, const MatrixComponent* model,
                                 const std::map<std::string, std::string>& settings) {
  std::vector<std::string> args = {"--dataset", dataset};
  if (model) {
    args.insert(args.end(), {"--model", model->name});
    for (const auto& [k, v] : model->params)
      args.insert(args.end(), {"--model-param", k + "=" + v});
  }
  for (const auto& [k, v] : settings) {
    if (v == "false") continue;  // a switch left off
    args.push_back("--" + k);
    if (v != "true") args.push_back(v);
  }
  return parse_run_options(args).config;
}

// The cell's own axes over the configuration of its settings, dataset and model.
ExperimentConfig cell_config(ExperimentConfig c, const MatrixCell& cell) {
  c.selector = cell.selector.name;
  c.selector_params = cell.selector.params;
  c.seed = cell.seed;
  c.folds = cell.folds;
  c.only_folds = {cell.fold};
  return c;
}

}  // namespace

std::vector<MatrixCell> expand_matrix(const MatrixConfig& config, const Registries& registries) {
  std::vector<int64_t> folds = config.only_folds;
  if (folds.empty())
    for (int64_t f = 0; f < config.folds; ++f) folds.push_back(f);
  std::vector<MatrixCell> cells;
  std::set<std::string> built;  // components already built once (their values checked)
  for (const auto& dataset : config.datasets) {
    const ExperimentConfig base = settings_config(dataset, nullptr, config.settings);
    dataset_files({dataset, base.labels_xml, base.data_dir, base.keep_ratio});
    // Folds from a file: its fold count must be the config's, and its bytes enter the cell ids.
    std::string split_digest;
    if (!base.split_file.empty()) {
      const SplitFile file = read_split_file(base.split_file);
      if (static_cast<int64_t>(file.folds.size()) != config.folds)
        throw InputError(config.name + ": the split file " + base.split_file + " has " +
                         std::to_string(file.folds.size()) + " folds, but \"folds\" is " +
                         std::to_string(config.folds));
      split_digest = file.digest;
    }
    for (const auto& model : config.models) {
      const ExperimentConfig with_model = settings_config(dataset, &model, config.settings);
      for (const auto& selector : config.selectors)
        for (uint64_t seed : config.seeds)
          for (int64_t fold : folds) {
            MatrixCell c{"",           dataset, model,           selector, seed,
                         config.folds, fold,    config.settings, {}};
            c.config = cell_config(with_model, c);
            const ComponentParams params = check_settings(c.config, registries);
            const auto& model_entry = registries.models.get(model.name);
            const auto& selector_entry = registries.selectors.get(selector.name);
            if (built.insert("model " + model.label()).second)
              model_entry.make(params.model, {12, 2, {}, 0, {3, 2, 2}});  // fits every model
            if (built.insert("selector " + selector.label()).second)
              selector_entry.make(params.selector);
            Json source{{"cell", c.key()},
                        {"model_version", model_entry.version},
                        {"selector_version", selector_entry.version}};
            if (!split_digest.empty()) source["split_file_digest"] = split_digest;
            // What a protocol stands for enters the id, so that a changed recipe reruns its
            // cells instead of counting reports made under the old one as finished.
            const auto protocol = config.settings.find("protocol");
            if (protocol != config.settings.end() && protocol->second != "none") {
              const ProtocolPreset preset = protocol_preset(protocol->second, model.name, dataset);
              source["protocol_preset"] = {{"args", preset.args},
                                           {"model_params", preset.model_params}};
            }
            c.id = cell_id(source);
            cells.push_back(std::move(c));
          }
    }
  }
  std::sort(cells.begin(), cells.end(),
            [](const MatrixCell& a, const MatrixCell& b) { return a.id < b.id; });
  return cells;
}

std::vector<MatrixCell> shard_cells(const std::vector<MatrixCell>& cells,
                                    const std::string& shard) {
  long long i = -1, n = -1;
  char tail = 0;
  if (std::sscanf(shard.c_str(), "%lld/%lld%c", &i, &n, &tail) != 2 || n < 1 || i < 0 || i >= n)
    throw InputError("--shard must be i/n with 0 <= i < n, got '" + shard + "'");
  std::vector<MatrixCell> out;
  for (size_t k = 0; k < cells.size(); ++k)
    if (static_cast<long long>(k) % n == i) out.push_back(cells[k]);
  return out;
}

std::string cell_report_path(const std::string& dir, const MatrixCell& cell) {
  return (fs::path(dir) / "cells" / (cell.id + ".json")).string();
}

CellFile inspect_cell_file(const std::string& path) {
  if (!fs::exists(path)) return CellFile::kMissing;
  try {
    std::ifstream in(path);
    Json doc = Json::parse(in);
    const Json& cells = doc.at("cells");
    if (cells.empty()) return CellFile::kRerun;
    for (const auto& c : cells)
      if (c.at("status").at("state") == "error") return CellFile::kRerun;
    return CellFile::kDone;
  } catch (const std::exception&) {
    return CellFile::kRerun;
  }
}

namespace {

// DIR/matrix-<name>.json: the config and every cell of the matrix, whatever part of it this
// process runs (shards and Slurm tasks write the same listing).
void write_listing(const fs::path& out, const MatrixConfig& config,
                   const std::vector<MatrixCell>& all) {
  Json listing;
  listing["schema_version"] = kReportSchemaVersion;
  listing["kind"] = "matrix";
  listing["config"] = config.source;
  Json list = Json::array();
  for (const auto& c : all) {
    Json entry = c.labels();
    entry["key"] = c.key();
    list.push_back(entry);
  }
  listing["cells"] = list;
  write_json_atomically((out / ("matrix-" + config.name + ".json")).string(), listing);
}

// Leftovers of a killed run: temporary report files never renamed into place.
void remove_leftovers(const fs::path& cell_dir) {
  for (const auto& entry : fs::directory_iterator(cell_dir))
    if (entry.path().filename().string().find(".tmp.") != std::string::npos)
      fs::remove(entry.path());
}

// The matrix's progress line on stderr (redrawn in place on a terminal, one line each else).
class MatrixProgress {
 public:
  MatrixProgress(const std::string& name, bool enabled)
      : name_(name), enabled_(enabled), tty_(isatty(STDERR_FILENO)), start_(Clock::now()) {}

  void show(const MatrixOutcome& o, int64_t todo, size_t running) const {
    if (!enabled_) return;
    const double elapsed = seconds_since(start_);
    const int64_t finished = o.done + o.failed, left = todo - finished;
    const double eta = finished > 0 ? elapsed / finished * left : NAN;
    std::fprintf(stderr,
                 "%smatrix %s: %lld/%lld cells finished (%lld skipped, %lld failed), %zu running, "
                 "elapsed %s, ETA %s%s",
                 tty_ ? "\r" : "", name_.c_str(), static_cast<long long>(o.skipped) + finished,
                 static_cast<long long>(o.total), static_cast<long long>(o.skipped),
                 static_cast<long long>(o.failed), running, clock_text(elapsed).c_str(),
                 clock_text(eta).c_str(), tty_ ? "   " : "\n");
    std::fflush(stderr);
  }
  void failed(const MatrixCell& c, const std::string& log) const {
    if (!enabled_) return;
    std::fprintf(stderr, "%scell %s (%s %s %s seed %llu fold %lld) failed: see %s\n",
                 tty_ ? "\n" : "", c.id.c_str(), c.dataset.c_str(), c.model.label().c_str(),
                 c.selector.label().c_str(), static_cast<unsigned long long>(c.seed),
                 static_cast<long long>(c.fold), log.c_str());
  }
  void end() const {
    if (enabled_ && tty_) std::fprintf(stderr, "\n");
  }

 private:
  std::string name_;
  bool enabled_, tty_;
  Clock::time_point start_;
};

}  // namespace

MatrixOutcome run_matrix(const MatrixConfig& config, const std::vector<MatrixCell>& all,
                         const std::vector<MatrixCell>& cells, const MatrixRunOptions& options) {
  const fs::path out(options.out), log_dir = out / "logs";
  fs::create_directories(out / "cells");
  fs::create_directories(log_dir);
  remove_leftovers(out / "cells");
  write_listing(out, config, all);

  MatrixOutcome o;
  o.total = static_cast<int64_t>(cells.size());
  std::vector<const MatrixCell*> todo;
  for (const auto& c : cells) {
    if (inspect_cell_file(cell_report_path(options.out, c)) == CellFile::kDone)
      ++o.skipped;
    else
      todo.push_back(&c);
  }
  const Parallelism split = choose_parallelism(options.jobs, options.threads,
                                               static_cast<int64_t>(todo.size()), core_count());
  const MatrixProgress progress(config.name, options.progress);
  progress.show(o, static_cast<int64_t>(todo.size()), 0);
  auto log_of = [&](const MatrixCell& c) { return (log_dir / (c.id + ".log")).string(); };
  run_children(
      todo.size(), split.jobs,
      [&](size_t k) {
        const MatrixCell& c = *todo[k];
        return spawn({options.executable, "matrix", options.config, "--out", options.out,
                      "--run-cell", c.id, "--threads", std::to_string(split.threads), "--quiet"},
                     log_of(c));
      },
      [&](size_t k, int, size_t running) {
        const MatrixCell& c = *todo[k];
        if (inspect_cell_file(cell_report_path(options.out, c)) == CellFile::kDone) {
          ++o.done;
        } else {
          ++o.failed;
          progress.failed(c, log_of(c));
        }
        progress.show(o, static_cast<int64_t>(todo.size()), running);
      });
  progress.end();
  return o;
}

int run_matrix_cell(const MatrixCell& cell, const std::string& out, int threads,
                    const std::vector<std::string>& argv) {
  configure_threads(threads);
  RunDocument doc = run_experiment(cell.config, argv);
  doc.matrix_cell = cell.labels();
  write_json_atomically(cell_report_path(out, cell), doc.to_json());
  return ConsoleReport(std::cerr).failures(doc.cells) ? 1 : 0;
}

namespace {

// The run reports of a matrix directory (DIR/cells, or DIR itself), in name order.
std::vector<fs::path> report_files(const fs::path& root) {
  const fs::path cells_dir = fs::is_directory(root / "cells") ? root / "cells" : root;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(cells_dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".json" &&
        name.find(".tmp.") == std::string::npos && name.rfind("matrix-", 0) != 0 &&
        name != "summary.json")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct MergeRow {
  std::string id, dataset, model, selector;
  uint64_t seed;
  int64_t fold;
  Json cell;
};

// A report's cells as rows: the matrix cell's id and labels when a matrix wrote it (component
// labels carry the parameters the config gave), else the cell's own id and names.
void add_rows(const Json& doc, std::vector<MergeRow>& rows) {
  const Json matrix = doc.value("matrix_cell", Json(nullptr));
  for (const auto& cell : doc["cells"]) {
    const Json& id = cell["identity"];
    MergeRow r;
    if (matrix.is_object()) {
      r.id = matrix["id"].get<std::string>();
      r.dataset = matrix["dataset"].get<std::string>();
      r.model = matrix["model"].get<std::string>();
      r.selector = matrix["selector"].get<std::string>();
    } else {
      r.id = cell.value("id", "");
      r.dataset = id["dataset"].value("name", "?");
      r.model = id.contains("model") ? id["model"].value("name", "?") : "?";
      r.selector = id.contains("selector") ? id["selector"].value("name", "?") : "?";
    }
    r.seed = id.contains("seeds") ? id["seeds"].value("base", uint64_t{0}) : 0;
    r.fold = id.contains("split") ? id["split"].value("fold", int64_t{-1}) : -1;
    r.cell = cell;
    rows.push_back(std::move(r));
  }
}

bool is_done(const MergeRow& r) { return r.cell["status"]["state"] == "done"; }

// Each row's time to accuracy against the finished uniform cell of its dataset, model, seed and
// fold (null for uniform's own rows, unfinished ones and those without a match).
std::vector<Json> efficiency_of(const std::vector<MergeRow>& rows) {
  using Key = std::tuple<std::string, std::string, uint64_t, int64_t>;
  auto key = [](const MergeRow& r) { return Key{r.dataset, r.model, r.seed, r.fold}; };
  std::map<Key, const MergeRow*> uniform;
  for (const auto& r : rows)
    if (r.selector == "uniform" && is_done(r)) uniform.emplace(key(r), &r);
  std::vector<Json> out;
  for (const auto& r : rows) {
    auto it = uniform.find(key(r));
    out.push_back(r.selector == "uniform" || !is_done(r) || it == uniform.end()
                      ? Json(nullptr)
                      : pair_efficiency(r.cell, it->second->cell));
  }
  return out;
}

Json summary_cell(const MergeRow& r) {
  Json c;
  c["dataset"] = r.dataset;
  c["model"] = r.model;
  c["selector"] = r.selector;
  c["seed"] = r.seed;
  c["fold"] = r.fold;
  c["id"] = r.id;
  c["state"] = r.cell["status"]["state"];
  Json m = Json::object();
  if (r.cell.contains("metrics") && r.cell["metrics"].is_object())
    for (const auto& [name, v] : r.cell["metrics"]["test"].items()) m[name] = v["value"];
  c["metrics"] = m;
  if (r.cell.contains("timings")) {
    const Json& t = r.cell["timings"];
    c["timings"] = {{"training_s", t["training_s"]},
                    {"selection_s", t["selection_s"]["total"]},
                    {"evaluation_s", t["evaluation_s"]},
                    {"wall_s", t["wall_s"]}};
  }
  return c;
}

}  // namespace

Json merge_reports(const std::string& dir) {
  const fs::path root(dir);
  if (!fs::is_directory(root)) throw InputError(dir + ": not a directory");
  std::vector<MergeRow> rows;
  for (const auto& f : report_files(root)) {
    const Json doc = read_json_file(f.string());
    if (doc.is_object() && doc.value("kind", "") == "run") add_rows(doc, rows);
  }
  auto same_group = [](const MergeRow& a, const MergeRow& b) {
    return std::tie(a.dataset, a.model, a.selector) == std::tie(b.dataset, b.model, b.selector);
  };
  std::stable_sort(rows.begin(), rows.end(), [](const MergeRow& a, const MergeRow& b) {
    return std::tie(a.dataset, a.model, a.selector, a.seed, a.fold) <
           std::tie(b.dataset, b.model, b.selector, b.seed, b.fold);
  });
  const std::vector<Json> efficiency = efficiency_of(rows);
  Json groups = Json::array(), cells = Json::array();
  for (size_t i = 0; i < rows.size();) {
    std::vector<Json> members, pairs;
    size_t j = i;
    for (; j < rows.size() && same_group(rows[j], rows[i]); ++j) {
      members.push_back(rows[j].cell);
      pairs.push_back(efficiency[j]);
    }
    Json g = {
        {"dataset", rows[i].dataset}, {"model", rows[i].model}, {"selector", rows[i].selector}};
    const Json stats = summarize_cells(members);
    for (const auto& [k, v] : stats.items()) g[k] = v;
    const Json group = group_efficiency(pairs);
    if (group["matched"].get<int64_t>() > 0) g["efficiency_vs_uniform"] = group;
    groups.push_back(g);
    i = j;
  }
  for (size_t k = 0; k < rows.size(); ++k) {
    Json c = summary_cell(rows[k]);
    if (!efficiency[k].is_null()) c["efficiency_vs_uniform"] = efficiency[k];
    cells.push_back(c);
  }
  Json summary;
  summary["schema_version"] = kReportSchemaVersion;
  summary["kind"] = "summary";
  summary["groups"] = groups;
  summary["cells"] = cells;
  return summary;
}

namespace {

// What compare reads of a summary, checked: InputError naming the document and the cell.
void check_summary(const Json& doc, const char* which) {
  const std::string not_summary =
      "compare: both files must be summaries written by 'd2ace-bench merge'";
  if (!doc.is_object() || !doc.contains("kind") || doc["kind"] != "summary" ||
      !doc.contains("cells") || !doc["cells"].is_array())
    throw InputError(not_summary);
  for (size_t k = 0; k < doc["cells"].size(); ++k) {
    const Json& c = doc["cells"][k];
    const std::string where =
        std::string("compare: the ") + which + " summary's cell " + std::to_string(k) + " ";
    if (!c.is_object()) throw InputError(where + "is not an object");
    for (const char* key : {"dataset", "model", "selector", "state"})
      if (!c.contains(key) || !c[key].is_string())
        throw InputError(where + "has no string '" + key + "'");
    if (!c.contains("seed") || !c["seed"].is_number_unsigned())
      throw InputError(where + "has no non-negative integer 'seed'");
    if (!c.contains("fold") || !c["fold"].is_number_integer())
      throw InputError(where + "has no integer 'fold'");
    if (!c.contains("metrics") || !c["metrics"].is_object())
      throw InputError(where + "has no 'metrics' object");
    for (const auto& [name, v] : c["metrics"].items())
      if (!v.is_number() && !v.is_null())
        throw InputError(where + "has a metric '" + name + "' that is not a number or null");
  }
}

}  // namespace

Comparison compare_summaries(const Json& reference, const Json& current,
                             const std::map<std::string, double>& tolerances) {
  check_summary(reference, "reference");
  check_summary(current, "current");
  auto key = [](const Json& c) {
    return c["dataset"].get<std::string>() + " | " + c["model"].get<std::string>() + " | " +
           c["selector"].get<std::string>() + " | seed " +
           std::to_string(c["seed"].get<uint64_t>()) + " | fold " +
           std::to_string(c["fold"].get<int64_t>());
  };
  auto tolerance = [&](const std::string& metric) {
    if (auto it = tolerances.find(metric); it != tolerances.end()) return it->second;
    if (auto it = tolerances.find("all"); it != tolerances.end()) return it->second;
    return 0.0;
  };
  std::map<std::string, const Json*> cur;
  for (const auto& c : current["cells"]) cur[key(c)] = &c;
  std::set<std::string> seen;
  Comparison out;
  char buffer[512];
  for (const auto& r : reference["cells"]) {
    const std::string k = key(r);
    auto it = cur.find(k);
    if (it == cur.end()) {
      out.missing_in_current.push_back(k);
      continue;
    }
    seen.insert(k);
    const Json& c = *it->second;
    ++out.compared;
    if (r["state"] == "done" && c["state"] != "done") {
      out.regressions.push_back(k + ": state " + c["state"].get<std::string>() +
                                " (reference: done)");
      continue;
    }
    for (const auto& info : metric_catalog()) {
      if (!r["metrics"].contains(info.name)) continue;
      const Json& rv = r["metrics"][info.name];
      const Json cv = c["metrics"].value(info.name, Json(nullptr));
      const double a = rv.is_number() ? rv.get<double>() : NAN,
                   b = cv.is_number() ? cv.get<double>() : NAN;
      if (std::isnan(a) && std::isnan(b)) continue;
      double worse;  // > 0: current is worse
      if (std::isnan(b))
        worse = INFINITY;
      else if (std::isnan(a))
        worse = -INFINITY;
      else
        worse = info.direction == Direction::kHigherIsBetter ? a - b : b - a;
      const double tol = tolerance(info.name);
      if (std::fabs(worse) <= tol) continue;
      std::snprintf(buffer, sizeof buffer, "%s: %s %.6g -> %.6g (%+.6g, tolerance %g, %s)",
                    k.c_str(), info.name.c_str(), a, b, b - a, tol, to_string(info.direction));
      (worse > 0 ? out.regressions : out.improvements).push_back(buffer);
    }
  }
  for (const auto& c : current["cells"])
    if (!seen.count(key(c))) out.missing_in_reference.push_back(key(c));
  return out;
}

}  // namespace d2ace
