// d2ace-bench: the command-line interface.
//
//   d2ace-bench run --dataset NAME|PATH [--model mlp] [--selector uniform] [--folds K] ...
//   d2ace-bench list datasets|models|selectors
//   d2ace-bench inspect PATH_OR_NAME [--xml FILE] [--json]
//   d2ace-bench summary REPORT...
//   d2ace-bench matrix CONFIG --out DIR [--jobs N] [--threads T] [--shard i/n]
//   d2ace-bench merge DIR [--out FILE]
//   d2ace-bench compare REFERENCE CURRENT [--tolerance metric=value]...
//   d2ace-bench slurm CONFIG --out DIR [sbatch options] [--failed-only] [--submit]
//
// Exit codes: 0 success; 1 a cell did not finish (its status says why; the report is written);
// 2 bad input (one line on stderr, no report written).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "bench/experiment.h"
#include "bench/matrix.h"
#include "bench/provenance.h"
#include "bench/run_options.h"
#include "bench/slurm.h"
#include "core/error.h"
#include "core/metrics.h"
#include "datasets/catalog.h"

namespace po = boost::program_options;
using namespace d2ace;

namespace {

const char* kUsage =
    "usage: d2ace-bench <command> [options]\n"
    "\n"
    "commands:\n"
    "  run       train and test one dataset x model x selector over the folds of a split\n"
    "  list      list datasets, models or selectors\n"
    "  inspect   describe a dataset (instances, features, labels, cardinality, ...)\n"
    "  summary   print a comparison table from run reports\n"
    "  matrix    run every cell of a matrix config (resumable, parallel, shardable)\n"
    "  merge     summarise a matrix directory into one JSON (mean, std, count per group)\n"
    "  compare   check a summary against a reference; exit 1 on a regression\n"
    "  slurm     write (and --submit) Slurm array jobs for a matrix, and a merge job after them\n"
    "\n"
    "'d2ace-bench <command> --help' describes a command's options.\n";

// A subcommand's arguments: the options `opts` and, positionally, at least `least` and at most
// `most` values (most < 0: any number). Unknown options, bad values and extra positional values
// become InputError. With --help, or with too few positional values, the usage line and the options
// are printed and `exit_code` is set (0 for --help, else 2): the command returns it.
struct Command {
  po::variables_map vm;
  std::vector<std::string> positional;
  std::optional<int> exit_code;
};

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

std::string fmt(double x, int precision = 4) {
  if (!std::isfinite(x)) return "nan";
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << x;
  return s.str();
}

// Left-aligns `s` in `width` columns, counting UTF-8 characters (the table prints "±").
std::string pad(const std::string& s, size_t width) {
  size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  return chars >= width ? s + " " : s + std::string(width - chars, ' ');
}

// ---------------------------------------------------------------- summary table

const std::vector<std::string> kTableMetrics = {"micro_f1", "macro_f1", "hamming_loss", "macro_auc",
                                                "ranking_loss"};

// Cells of a run or cell document.
std::vector<Json> cells_of(const Json& doc, const std::string& path) {
  if (!doc.is_object() || !doc.contains("kind"))
    throw InputError(path + ": not a d2ace-bench report");
  if (doc["kind"] == "cell") return {doc};
  if (doc["kind"] == "run") return doc["cells"].get<std::vector<Json>>();
  throw InputError(path + ": unknown report kind " + doc["kind"].dump());
}

// One row per group: {dataset, model, selector} plus summarize_cells' fields.
void print_groups(const Json& groups, std::ostream& out) {
  size_t wd = 8, wm = 6, ws = 9;
  for (const auto& g : groups) {
    wd = std::max(wd, g["dataset"].get<std::string>().size() + 2);
    wm = std::max(wm, g["model"].get<std::string>().size() + 2);
    ws = std::max(ws, g["selector"].get<std::string>().size() + 2);
  }
  out << pad("dataset", wd) << pad("model", wm) << pad("selector", ws) << pad("cells", 7);
  for (const auto& m : kTableMetrics) out << pad(m, 19);
  out << "selection/train\n";
  for (const auto& s : groups) {
    out << pad(s["dataset"].get<std::string>(), wd) << pad(s["model"].get<std::string>(), wm)
        << pad(s["selector"].get<std::string>(), ws)
        << pad(std::to_string(s["done"].get<int>()) + "/" + std::to_string(s["cells"].get<int>()),
               7);
    for (const auto& m : kTableMetrics) {
      std::string cell = "-";
      if (s["metrics"].contains(m) && s["metrics"][m]["mean"].is_number())
        cell = fmt(s["metrics"][m]["mean"].get<double>()) + " ± " +
               fmt(s["metrics"][m]["std"].get<double>());
      out << pad(cell, 19);
    }
    std::string share = "-";
    if (s["timings"].contains("selection_s") &&
        s["timings"]["training_s"]["mean"].get<double>() > 0)
      share = fmt(100.0 * s["timings"]["selection_s"]["mean"].get<double>() /
                      s["timings"]["training_s"]["mean"].get<double>(),
                  2) +
              " %";
    out << share << "\n";
  }
}

void print_table(const std::vector<Json>& cells, std::ostream& out) {
  // Group by dataset, model, selector (in first-seen order).
  std::vector<std::string> keys;
  std::map<std::string, std::vector<Json>> members;
  std::map<std::string, Json> names;
  for (const auto& c : cells) {
    const Json& id = c["identity"];
    Json n = {{"dataset", id["dataset"].value("name", "?")},
              {"model", id.contains("model") ? id["model"].value("name", "?") : "?"},
              {"selector", id.contains("selector") ? id["selector"].value("name", "?") : "?"}};
    std::string key = n.dump();
    if (!members.count(key)) keys.push_back(key), names[key] = n;
    members[key].push_back(c);
  }
  Json groups = Json::array();
  for (const auto& key : keys) {
    Json g = names[key];
    const Json stats = summarize_cells(members[key]);
    for (const auto& [k, v] : stats.items()) g[k] = v;
    groups.push_back(g);
  }
  print_groups(groups, out);
}

int cmd_summary(const std::vector<std::string>& args) {
  po::options_description opts("summary options");
  opts.add_options()("help,h", "show this help");
  Command cmd = parse_command(
      args, opts,
      "usage: d2ace-bench summary REPORT.json...\n\n"
      "Prints mean ± std over folds of micro-F1, macro-F1, Hamming loss, macro-AUC and ranking\n"
      "loss, and the selection time as a share of the training time, one row per\n"
      "dataset x model x selector.",
      0, -1);
  if (cmd.exit_code) return *cmd.exit_code;
  if (cmd.positional.empty()) throw InputError("summary: give at least one report file");
  std::vector<Json> cells;
  for (const auto& path : cmd.positional)
    for (auto& c : cells_of(read_json_file(path), path)) cells.push_back(std::move(c));
  print_table(cells, std::cout);
  return 0;
}

// ---------------------------------------------------------------- list

int cmd_list(const std::vector<std::string>& args) {
  po::options_description opts("list options");
  std::string data_dir;
  opts.add_options()("help,h", "show this help")(
      "data-dir", po::value<std::string>(&data_dir),
      "data directory (default: $D2ACE_DATA, then datasets/data)");
  Command cmd =
      parse_command(args, opts, "usage: d2ace-bench list datasets|models|selectors", 1, 1);
  if (cmd.exit_code) return *cmd.exit_code;
  const std::string what = cmd.positional[0];
  Registries reg;
  if (what == "datasets") {
    const std::string dir = resolve_data_dir(data_dir);
    std::cout << std::left << std::setw(15) << "name" << std::setw(16) << "domain" << std::setw(10)
              << "split" << std::setw(7) << "keep"
              << "files (in " << dir << ")\n";
    std::cout << std::setw(15) << "synthetic" << std::setw(16) << "generated" << std::setw(10)
              << "none" << std::setw(7) << "1"
              << "embedded; synthetic:n=..,d=..,q=..,cardinality=..,correlation=..,noise=..\n";
    for (const auto& e : dataset_catalog()) {
      bool present = true;
      for (const auto& f : e.files)
        present = present && std::filesystem::exists(std::filesystem::path(dir) / f);
      std::ostringstream keep;
      keep << e.keep_ratio;
      std::cout << std::setw(15) << e.name << std::setw(16) << e.domain << std::setw(10)
                << (e.official_split() ? "official" : "none") << std::setw(7) << keep.str()
                << (present ? "present" : "missing (scripts/fetch-datasets)") << "\n";
    }
    return 0;
  }
  auto show = [](const auto& registry) {
    for (const auto* e : registry.all()) {
      std::cout << e->name << "  " << e->summary << "\n";
      for (const auto& p : e->params)
        std::cout << "    " << p.name << "=" << (p.default_value.empty() ? "\"\"" : p.default_value)
                  << "  " << p.help << "\n";
    }
  };
  if (what == "models")
    show(reg.models);
  else if (what == "selectors")
    show(reg.selectors);
  else
    throw InputError("list: expected datasets, models or selectors, got '" + what + "'");
  return 0;
}

// ---------------------------------------------------------------- inspect

Json describe(const Dataset& d) {
  auto stats = [](const torch::Tensor& Y) {
    Json j;
    const double card = Y.numel() ? Y.sum(1).mean().item<double>() : 0.0;
    j["instances"] = Y.size(0);
    j["cardinality"] = card;
    j["density"] = Y.size(1) ? card / Y.size(1) : 0.0;
    j["distinct_label_sets"] = Y.size(0) ? std::get<0>(at::unique_dim(Y, 0)).size(0) : 0;
    j["instances_without_labels"] = (Y.sum(1) == 0).sum().item<int64_t>();
    j["labels_without_positives"] = (Y.sum(0) == 0).sum().item<int64_t>();
    return j;
  };
  Json j;
  j["name"] = d.name;
  j["instances"] = d.rows();
  j["feature_attributes"] = d.feature_attributes;
  j["features"] = d.features();
  j["labels"] = d.labels();
  Json all = stats(d.Y);
  for (const char* k : {"cardinality", "density", "distinct_label_sets", "instances_without_labels",
                        "labels_without_positives"})
    j[k] = all[k];
  if (d.has_official_split()) {
    j["official_split"] = {{"train", stats(d.Y.slice(0, 0, d.official_train_rows))},
                           {"test", stats(d.Y.slice(0, d.official_train_rows))}};
  } else {
    j["official_split"] = nullptr;
  }
  j["label_names"] = d.label_names;
  j["notices"] = d.notices;
  return j;
}

int cmd_inspect(const std::vector<std::string>& args) {
  po::options_description opts("inspect options");
  std::string xml, data_dir;
  double keep = 0;
  opts.add_options()("help,h", "show this help")("xml", po::value<std::string>(&xml),
                                                 "Mulan XML label file")(
      "data-dir", po::value<std::string>(&data_dir), "data directory")(
      "keep-ratio", po::value<double>(&keep),
      "feature keep ratio by column sum (default: the catalogue's)")("json", "print JSON");
  Command cmd = parse_command(
      args, opts, "usage: d2ace-bench inspect PATH_OR_NAME [--xml FILE] [--json]", 1, 1);
  if (cmd.exit_code) return *cmd.exit_code;
  const po::variables_map& vm = cmd.vm;
  LoadRequest req{cmd.positional[0], xml, resolve_data_dir(data_dir), std::nullopt};
  if (vm.count("keep-ratio")) req.keep_ratio = keep;
  Json j = describe(load_dataset(req));
  if (vm.count("json")) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "dataset              " << j["name"].get<std::string>() << "\n"
            << "instances            " << j["instances"] << "\n"
            << "feature attributes   " << j["feature_attributes"] << "\n"
            << "feature columns      " << j["features"] << "  (after encoding)\n"
            << "labels               " << j["labels"] << "\n"
            << "cardinality          " << fmt(j["cardinality"].get<double>()) << "\n"
            << "density              " << fmt(j["density"].get<double>()) << "\n"
            << "distinct label sets  " << j["distinct_label_sets"] << "\n"
            << "without labels       " << j["instances_without_labels"] << " instances\n"
            << "never positive       " << j["labels_without_positives"] << " labels\n";
  if (!j["official_split"].is_null())
    for (const char* part : {"train", "test"}) {
      const Json& p = j["official_split"][part];
      std::cout << "official " << std::setw(12) << std::left << part << p["instances"]
                << " instances, cardinality " << fmt(p["cardinality"].get<double>()) << ", "
                << p["distinct_label_sets"] << " distinct label sets\n";
    }
  for (const auto& n : j["notices"]) std::cout << "notice: " << n.get<std::string>() << "\n";
  return 0;
}

// ---------------------------------------------------------------- run

int cmd_run(const std::vector<std::string>& args, const std::vector<std::string>& argv) {
  RunOptions r = parse_run_options(args);
  if (!r.help.empty()) {
    std::cout << r.help;
    return 0;
  }
  const ExperimentConfig& c = r.config;
  const std::string& out = r.out;
  configure_threads(r.threads, r.intra_op_threads);

  Registries reg;
  Experiment experiment(c, reg);  // bad input stops here, before any report exists
  const bool show_progress = !r.quiet && isatty(STDERR_FILENO);
  for (const auto& n : experiment.data().notices)
    std::cerr << "notice: " << experiment.data().name << ": " << n << "\n";
  auto start = std::chrono::steady_clock::now();
  std::vector<Json> cells = experiment.run([&](const CellProgress& p) {
    if (!show_progress) return;
    if (p.epoch) {
      double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr,
                   "\r[cell %lld/%lld] epoch %lld/%lld  loss %.4f  val macro-AUC %.4f  %.0fs   ",
                   static_cast<long long>(p.cell + 1), static_cast<long long>(p.cells),
                   static_cast<long long>(p.epoch->epoch + 1), static_cast<long long>(p.epochs),
                   p.epoch->train_loss, p.epoch->val_macro_auc, elapsed);
    } else if (p.cell == p.cells) {
      std::fprintf(stderr, "\r%80s\r", "");
    }
  });
  Json doc;
  doc["schema_version"] = kReportSchemaVersion;
  doc["kind"] = "run";
  doc["command"] = argv;
  doc["provenance"] = provenance_json(c.device);
  doc["cells"] = cells;
  doc["summary"] = summarize_cells(cells);
  write_json_atomically(out, doc);

  int failed = 0;
  for (const auto& cell : cells) {
    const Json& st = cell["status"];
    if (st["state"] != "done") {
      ++failed;
      std::cout << "cell " << cell["identity"].value("split", Json::object()).value("fold", -1)
                << ": " << st["state"].get<std::string>() << ": "
                << st["message"].get<std::string>() << "\n";
    }
  }
  print_table(cells, std::cout);
  const Json& t = doc["summary"]["timings"];
  if (t.contains("training_s"))
    std::cout << "time per cell (mean): training " << fmt(t["training_s"]["mean"].get<double>(), 2)
              << " s, selection " << fmt(t["selection_s"]["mean"].get<double>(), 3)
              << " s, evaluation " << fmt(t["evaluation_s"]["mean"].get<double>(), 2) << " s, wall "
              << fmt(t["wall_s"]["mean"].get<double>(), 2) << " s  ("
              << doc["provenance"]["blas"].get<std::string>().substr(
                     0, doc["provenance"]["blas"].get<std::string>().find(' '))
              << " " << thread_config().blas << " threads, LibTorch " << at::get_num_threads()
              << ")\n";
  std::cout << "report: " << out << "\n";
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------- matrix, merge, compare

std::string self_executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot locate the d2ace-bench executable");
  return p.string();
}

int cmd_matrix(const std::vector<std::string>& args) {
  std::string out, shard;
  int jobs = 1, threads = 0;
  int64_t cell = -1;
  po::options_description opts("matrix options");
  opts.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(&out), "output directory (cells/, logs/, the cell listing)")(
      "jobs", po::value<int>(&jobs)->default_value(1), "cells run at once")(
      "threads", po::value<int>(&threads)->default_value(0),
      "BLAS threads per cell (0: cores / jobs)")("shard", po::value<std::string>(&shard),
                                                 "run only shard i/n of the cells (0 <= i < n)")(
      "cell", po::value<int64_t>(&cell),
      "run only the cell at this position in id order (a Slurm array task)")(
      "dry-run", "list the cells and their state; run nothing")("quiet,q", "no progress line");
  Command cmd =
      parse_command(args, opts, "usage: d2ace-bench matrix CONFIG --out DIR [options]", 1, 1);
  if (cmd.exit_code) return *cmd.exit_code;
  const po::variables_map& vm = cmd.vm;
  if (out.empty()) throw InputError("matrix: --out DIR is required");
  if (jobs < 1) throw InputError("--jobs must be at least 1");
  if (threads < 0) throw InputError("--threads must be non-negative");
  MatrixConfig config = load_matrix_config(cmd.positional[0]);
  Registries reg;
  const std::vector<MatrixCell> all = expand_matrix(config, reg);  // bad input stops here
  std::vector<MatrixCell> cells = all;
  if (!shard.empty()) cells = shard_cells(cells, shard);
  if (vm.count("cell")) {
    if (cell < 0 || cell >= static_cast<int64_t>(cells.size()))
      throw InputError("--cell " + std::to_string(cell) + " out of range (0.." +
                       std::to_string(cells.size() - 1) + ")");
    cells = {cells[static_cast<size_t>(cell)]};
  }
  if (vm.count("dry-run")) {
    for (const auto& c : cells) {
      CellFile f =
          inspect_cell_file((std::filesystem::path(out) / "cells" / (c.id + ".json")).string());
      std::cout << c.id << "  "
                << (f == CellFile::kDone    ? "done   "
                    : f == CellFile::kRerun ? "rerun  "
                                            : "pending")
                << "  " << c.dataset << "  " << c.model.label() << "  " << c.selector.label()
                << "  seed " << c.seed << "  fold " << c.fold << "\n";
    }
    std::cout << cells.size() << " cells\n";
    return 0;
  }
  MatrixRunOptions o;
  o.out = out;
  o.jobs = jobs;
  o.threads = threads;
  o.progress = !vm.count("quiet");
  o.executable = self_executable();
  MatrixOutcome r = run_matrix(config, all, cells, o);
  std::cout << "matrix " << config.name << ": " << r.total << " cells, " << r.skipped
            << " already finished, " << r.done << " run, " << r.failed << " failed; reports in "
            << out << "/cells\n";
  return r.failed ? 1 : 0;
}

int cmd_merge(const std::vector<std::string>& args) {
  std::string out;
  po::options_description opts("merge options");
  opts.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(&out), "summary file (default: DIR/summary.json)")("quiet,q",
                                                                                       "no table");
  Command cmd = parse_command(args, opts, "usage: d2ace-bench merge DIR [--out FILE]", 1, 1);
  if (cmd.exit_code) return *cmd.exit_code;
  const po::variables_map& vm = cmd.vm;
  const std::string dir = cmd.positional[0];
  Json summary = merge_reports(dir);
  if (out.empty()) out = (std::filesystem::path(dir) / "summary.json").string();
  write_json_atomically(out, summary);
  if (!vm.count("quiet")) print_groups(summary["groups"], std::cout);
  std::cout << "summary: " << out << " (" << summary["cells"].size() << " cells, "
            << summary["groups"].size() << " groups)\n";
  return 0;
}

int cmd_compare(const std::vector<std::string>& args) {
  std::vector<std::string> given;
  po::options_description opts("compare options");
  opts.add_options()("help,h", "show this help")(
      "tolerance", po::value<std::vector<std::string>>(&given)->composing(),
      "metric=value: absolute change allowed against the metric's direction (repeatable; "
      "'all=value' for "
      "every metric; default 0)");
  Command cmd = parse_command(
      args, opts, "usage: d2ace-bench compare REFERENCE CURRENT [--tolerance metric=value]...", 2,
      2);
  if (cmd.exit_code) return *cmd.exit_code;
  std::map<std::string, double> tolerances;
  for (const auto& [k, v] : Params::parse_assignments(given, "--tolerance")) {
    if (k != "all") metric_info(k);  // an unknown metric name is bad input
    char* end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || !(x >= 0))
      throw InputError("--tolerance " + k + ": expected a non-negative number, got '" + v + "'");
    tolerances[k] = x;
  }
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

int cmd_slurm(const std::vector<std::string>& args) {
  SlurmOptions o;
  po::options_description opts("slurm options");
  opts.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(&o.out),
      "matrix directory (the cells' reports go to DIR/cells)")(
      "partition", po::value<std::string>(&o.partition), "sbatch --partition")(
      "time", po::value<std::string>(&o.time), "sbatch --time, per cell (e.g. 02:00:00)")(
      "mem", po::value<std::string>(&o.mem), "sbatch --mem, per cell (e.g. 8G)")(
      "account", po::value<std::string>(&o.account), "sbatch --account")(
      "cpus-per-task", po::value<int>(&o.cpus_per_task)->default_value(2),
      "CPUs per cell (its BLAS threads)")(
      "sbatch-option", po::value<std::vector<std::string>>(&o.extra)->composing(),
      "a further #SBATCH line, e.g. --sbatch-option=--qos=short (repeatable)")(
      "max-array-size", po::value<int64_t>(&o.max_array_size)->default_value(1001),
      "the cluster's MaxArraySize (scontrol show config); larger matrices are split into several "
      "arrays")("failed-only",
                "only the cells without a finished report (missing, unreadable or failed)")(
      "submit", "run the submit script now (sbatch must be on PATH)");
  Command cmd =
      parse_command(args, opts, "usage: d2ace-bench slurm CONFIG --out DIR [options]", 1, 1);
  if (cmd.exit_code) return *cmd.exit_code;
  const po::variables_map& vm = cmd.vm;
  if (o.out.empty()) throw InputError("slurm: --out DIR is required");
  o.config = std::filesystem::absolute(cmd.positional[0]).string();
  o.out = std::filesystem::absolute(o.out).string();
  o.executable = self_executable();
  MatrixConfig config = load_matrix_config(o.config);
  Registries reg;
  std::vector<MatrixCell> cells = expand_matrix(config, reg);  // bad input stops here
  std::vector<int64_t> indices;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string report =
        (std::filesystem::path(o.out) / "cells" / (cells[i].id + ".json")).string();
    if (!vm.count("failed-only") || inspect_cell_file(report) != CellFile::kDone)
      indices.push_back(static_cast<int64_t>(i));
  }
  if (indices.empty()) {
    std::cout << "slurm: every cell of " << config.name
              << " has a finished report; nothing to submit\n";
    return 0;
  }
  std::filesystem::create_directories(std::filesystem::path(o.out) / "cells");
  SlurmScripts s = write_slurm_scripts(cells, indices, o);
  std::cout << "slurm: " << s.tasks << " cells of " << cells.size() << " in " << s.arrays.size()
            << " array job(s), then a merge job\n";
  for (const auto& a : s.arrays) std::cout << "  " << a << "\n";
  std::cout << "  " << s.merge << "\nsubmit with: " << s.submit << "\n";
  if (!vm.count("submit")) return 0;
  std::cout.flush();
  const int status = std::system(("bash " + s.submit).c_str());
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> all(argv, argv + argc);
  if (argc < 2 || all[1] == "--help" || all[1] == "-h" || all[1] == "help") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  std::vector<std::string> args(all.begin() + 2, all.end());
  try {
    const std::string& cmd = all[1];
    if (cmd == "run") return cmd_run(args, all);
    if (cmd == "list") return cmd_list(args);
    if (cmd == "inspect") return cmd_inspect(args);
    if (cmd == "summary") return cmd_summary(args);
    if (cmd == "matrix") return cmd_matrix(args);
    if (cmd == "merge") return cmd_merge(args);
    if (cmd == "compare") return cmd_compare(args);
    if (cmd == "slurm") return cmd_slurm(args);
    throw InputError("unknown command '" + cmd +
                     "' (expected run, list, inspect, summary, matrix, merge, compare or slurm)");
  } catch (const InputError& e) {
    std::cerr << "d2ace-bench: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::string message = e.what();
    std::cerr << "d2ace-bench: failed: " << message.substr(0, message.find('\n')) << "\n";
    return 1;
  }
}
