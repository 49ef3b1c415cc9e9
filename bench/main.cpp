// d2ace-bench: the command-line interface.
//
//   d2ace-bench run --dataset NAME|PATH [--model mlp] [--selector uniform] [--folds K] ...
//   d2ace-bench list datasets|models|selectors
//   d2ace-bench inspect PATH_OR_NAME [--xml FILE] [--json]
//   d2ace-bench summary REPORT...
//
// Exit codes: 0 success; 1 a cell did not finish (its status says why; the report is written);
// 2 bad input (one line on stderr, no report written).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
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
#include <sstream>

#include "bench/experiment.h"
#include "bench/provenance.h"
#include "core/error.h"
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
    "\n"
    "'d2ace-bench <command> --help' describes a command's options.\n";

// Parses argv for a subcommand; unknown options and bad values become InputError.
po::variables_map parse(const std::vector<std::string>& args, const po::options_description& visible,
                        const po::positional_options_description* positional = nullptr,
                        const po::options_description* hidden = nullptr) {
  po::options_description all;
  all.add(visible);
  if (hidden) all.add(*hidden);
  po::variables_map vm;
  try {
    po::command_line_parser parser(args);
    parser.options(all);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(e.what());
  }
  return vm;
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

std::string sanitize(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return s;
}

// ---------------------------------------------------------------- summary table

const std::vector<std::string> kTableMetrics = {"micro_f1", "macro_f1", "hamming_loss", "macro_auc",
                                                "ranking_loss"};

// Cells of a run or cell document.
std::vector<Json> cells_of(const Json& doc, const std::string& path) {
  if (!doc.is_object() || !doc.contains("kind")) throw InputError(path + ": not a d2ace-bench report");
  if (doc["kind"] == "cell") return {doc};
  if (doc["kind"] == "run") return doc["cells"].get<std::vector<Json>>();
  throw InputError(path + ": unknown report kind " + doc["kind"].dump());
}

void print_table(const std::vector<Json>& cells, std::ostream& out) {
  // Group by dataset, model, selector (in first-seen order).
  std::vector<std::string> keys;
  std::map<std::string, std::vector<Json>> groups;
  for (const auto& c : cells) {
    const Json& id = c["identity"];
    std::string key = id["dataset"].value("name", "?") + "\t" +
                      (id.contains("model") ? id["model"].value("name", "?") : "?") + "\t" +
                      (id.contains("selector") ? id["selector"].value("name", "?") : "?");
    if (!groups.count(key)) keys.push_back(key);
    groups[key].push_back(c);
  }
  out << pad("dataset", 22) << pad("model", 8) << pad("selector", 16) << pad("cells", 7);
  for (const auto& m : kTableMetrics) out << pad(m, 19);
  out << "selection/train\n";
  for (const auto& key : keys) {
    Json s = summarize_cells(groups[key]);
    std::istringstream parts(key);
    std::string dataset, model, selector;
    std::getline(parts, dataset, '\t');
    std::getline(parts, model, '\t');
    std::getline(parts, selector, '\t');
    out << pad(dataset, 22) << pad(model, 8) << pad(selector, 16)
        << pad(std::to_string(s["done"].get<int>()) + "/" + std::to_string(s["cells"].get<int>()), 7);
    for (const auto& m : kTableMetrics) {
      std::string cell = "-";
      if (s["metrics"].contains(m) && s["metrics"][m]["mean"].is_number())
        cell = fmt(s["metrics"][m]["mean"].get<double>()) + " ± " + fmt(s["metrics"][m]["std"].get<double>());
      out << pad(cell, 19);
    }
    std::string share = "-";
    if (s["timings"].contains("selection_s") && s["timings"]["training_s"]["mean"].get<double>() > 0)
      share = fmt(100.0 * s["timings"]["selection_s"]["mean"].get<double>() /
                      s["timings"]["training_s"]["mean"].get<double>(), 2) + " %";
    out << share << "\n";
  }
}

int cmd_summary(const std::vector<std::string>& args) {
  po::options_description opts("summary options");
  opts.add_options()("help,h", "show this help");
  po::options_description hidden;
  hidden.add_options()("report", po::value<std::vector<std::string>>(), "report files");
  po::positional_options_description pos;
  pos.add("report", -1);
  auto vm = parse(args, opts, &pos, &hidden);
  if (vm.count("help")) {
    std::cout << "usage: d2ace-bench summary REPORT.json...\n\n"
                 "Prints mean ± std over folds of micro-F1, macro-F1, Hamming loss, macro-AUC and ranking\n"
                 "loss, and the selection time as a share of the training time, one row per\n"
                 "dataset x model x selector.\n\n" << opts;
    return 0;
  }
  if (!vm.count("report")) throw InputError("summary: give at least one report file");
  std::vector<Json> cells;
  for (const auto& path : vm["report"].as<std::vector<std::string>>()) {
    std::ifstream in(path);
    if (!in) throw InputError(path + ": cannot open file");
    Json doc;
    try {
      doc = Json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(path + ": not valid JSON (" + std::string(e.what()) + ")");
    }
    for (auto& c : cells_of(doc, path)) cells.push_back(std::move(c));
  }
  print_table(cells, std::cout);
  return 0;
}

// ---------------------------------------------------------------- list

int cmd_list(const std::vector<std::string>& args) {
  po::options_description opts("list options");
  std::string data_dir;
  opts.add_options()("help,h", "show this help")(
      "data-dir", po::value<std::string>(&data_dir), "data directory (default: $D2ACE_DATA, then datasets/data)");
  po::options_description hidden;
  hidden.add_options()("what", po::value<std::string>(), "datasets|models|selectors");
  po::positional_options_description pos;
  pos.add("what", 1);
  auto vm = parse(args, opts, &pos, &hidden);
  if (vm.count("help") || !vm.count("what")) {
    std::cout << "usage: d2ace-bench list datasets|models|selectors\n\n" << opts;
    return vm.count("help") ? 0 : 2;
  }
  const std::string what = vm["what"].as<std::string>();
  Registries reg;
  if (what == "datasets") {
    const std::string dir = resolve_data_dir(data_dir);
    std::cout << std::left << std::setw(15) << "name" << std::setw(16) << "domain" << std::setw(10) << "split"
              << std::setw(7) << "keep" << "files (in " << dir << ")\n";
    std::cout << std::setw(15) << "synthetic" << std::setw(16) << "generated" << std::setw(10) << "none"
              << std::setw(7) << "1" << "embedded; synthetic:n=..,d=..,q=..,cardinality=..,correlation=..,noise=..\n";
    for (const auto& e : dataset_catalog()) {
      bool present = true;
      for (const auto& f : e.files) present = present && std::filesystem::exists(std::filesystem::path(dir) / f);
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
        std::cout << "    " << p.name << "=" << (p.default_value.empty() ? "\"\"" : p.default_value) << "  " << p.help << "\n";
    }
  };
  if (what == "models") show(reg.models);
  else if (what == "selectors") show(reg.selectors);
  else throw InputError("list: expected datasets, models or selectors, got '" + what + "'");
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
  opts.add_options()("help,h", "show this help")("xml", po::value<std::string>(&xml), "Mulan XML label file")(
      "data-dir", po::value<std::string>(&data_dir), "data directory")(
      "keep-ratio", po::value<double>(&keep), "feature keep ratio by column sum (default: the catalogue's)")(
      "json", "print JSON");
  po::options_description hidden;
  hidden.add_options()("dataset", po::value<std::string>(), "dataset");
  po::positional_options_description pos;
  pos.add("dataset", 1);
  auto vm = parse(args, opts, &pos, &hidden);
  if (vm.count("help") || !vm.count("dataset")) {
    std::cout << "usage: d2ace-bench inspect PATH_OR_NAME [--xml FILE] [--json]\n\n" << opts;
    return vm.count("help") ? 0 : 2;
  }
  LoadRequest req{vm["dataset"].as<std::string>(), xml, resolve_data_dir(data_dir), std::nullopt};
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
      std::cout << "official " << std::setw(12) << std::left << part << p["instances"] << " instances, cardinality "
                << fmt(p["cardinality"].get<double>()) << ", " << p["distinct_label_sets"] << " distinct label sets\n";
    }
  for (const auto& n : j["notices"]) std::cout << "notice: " << n.get<std::string>() << "\n";
  return 0;
}

// ---------------------------------------------------------------- run

// `--protocol d2ace-paper`: what the released D2ACE pipeline does (method.md §5, §7): CLIF, 5-fold
// iterative stratification with seed 55, 10 % validation, labels with <= 20 positives and
// instances without labels dropped, min-max scaling, Adam lr 1e-4 and weight decay 1e-4, a linear
// learning-rate warm-up over 10 epochs of steps, batch 128, 100 epochs, threshold 0.5, the model
// of best validation macro-AUC. The catalogue's keep ratios (rcv1 0.02) apply as always.
// Scaling is fitted on the training part unless --scaling-fit all is given (see README).
std::vector<std::string> d2ace_paper_protocol() {
  return {"--model", "clif", "--split", "kfold", "--folds", "5", "--seed", "55", "--validation", "0.1",
          "--drop-rare-labels", "20", "--drop-unlabelled", "--scaling", "minmax", "--lr", "0.0001",
          "--weight-decay", "0.0001", "--lr-warmup-epochs", "10", "--batch-size", "128", "--epochs", "100",
          "--threshold", "0.5", "--checkpoint", "best"};
}

int cmd_run(const std::vector<std::string>& args, const std::vector<std::string>& argv) {
  ExperimentConfig c;
  std::string out, split = "kfold", scaling = "minmax", checkpoint = "best", data_dir, protocol, scaling_fit;
  std::vector<std::string> model_params, selector_params;
  std::vector<int64_t> folds_only;
  double keep = 0;
  int threads = 0, intra_op_threads = 1;
  uint64_t seed = 55;
  po::options_description opts("run options");
  opts.add_options()
      ("help,h", "show this help")
      ("dataset", po::value<std::string>(&c.dataset)->required(),
       "catalogue name (see 'list datasets'), synthetic[:key=value,...], or a path to an .arff file")
      ("xml", po::value<std::string>(&c.labels_xml), "Mulan XML label file for a PATH (default: beside it)")
      ("data-dir", po::value<std::string>(&data_dir), "data directory (default: $D2ACE_DATA, then datasets/data)")
      ("keep-ratio", po::value<double>(&keep), "keep this fraction of feature columns by column sum "
       "(default: the catalogue's, e.g. 0.02 for rcv1)")
      ("model", po::value<std::string>(&c.model)->default_value("mlp"), "model (see 'list models')")
      ("model-param", po::value<std::vector<std::string>>(&model_params)->composing(), "model parameter key=value (repeatable)")
      ("selector", po::value<std::string>(&c.selector)->default_value("uniform"), "batch selector (see 'list selectors')")
      ("selector-param", po::value<std::vector<std::string>>(&selector_params)->composing(), "selector parameter key=value (repeatable)")
      ("split", po::value<std::string>(&split)->default_value("kfold"), "kfold (iterative stratification over all instances) or official")
      ("folds", po::value<int64_t>(&c.folds)->default_value(5), "number of folds for --split kfold")
      ("fold", po::value<std::vector<int64_t>>(&folds_only)->composing(), "run only this fold (repeatable; default: all)")
      ("validation", po::value<double>(&c.validation_fraction)->default_value(0.1), "share of the training part held out for validation")
      ("protocol", po::value<std::string>(&protocol)->default_value("none"), "none, or d2ace-paper: the released D2ACE pipeline's settings (README); options given explicitly override it")
      ("scaling", po::value<std::string>(&scaling)->default_value("standard"), "standard, minmax or none (the reference code uses minmax)")
      ("scaling-fit", po::value<std::string>(&scaling_fit)->default_value("train"), "fit the scaler on the training part (train) or on every instance before the split (all: the released pipeline's leak, Q8)")
      ("drop-rare-labels", po::value<int64_t>(&c.drop_rare_labels)->default_value(-1), "drop labels with at most K positives (reference: 20; -1 keeps all)")
      ("drop-unlabelled", po::bool_switch(&c.drop_unlabelled), "drop instances without labels (as the reference code)")
      ("epochs", po::value<int64_t>(&c.trainer.epochs)->default_value(30), "training epochs")
      ("batch-size", po::value<int64_t>(&c.trainer.batch_size)->default_value(128), "batch size")
      ("lr", po::value<double>(&c.trainer.learning_rate)->default_value(1e-3), "Adam learning rate")
      ("weight-decay", po::value<double>(&c.trainer.weight_decay)->default_value(1e-4), "Adam weight decay")
      ("lr-warmup-epochs", po::value<double>(&c.trainer.lr_warmup_epochs)->default_value(1.0), "linear learning-rate warm-up, in epochs of steps")
      ("checkpoint", po::value<std::string>(&checkpoint)->default_value("best"), "best (by validation macro-AUC) or last")
      ("threshold", po::value<double>(&c.trainer.threshold)->default_value(0.5), "decision threshold for bipartition metrics")
      ("seed", po::value<uint64_t>(&seed)->default_value(55), "base seed (split, weights and selector seeds derive from it)")
      ("threads", po::value<int>(&threads)->default_value(0), "BLAS threads for matrix products (0: all cores)")
      ("intra-op-threads", po::value<int>(&intra_op_threads)->default_value(1),
       "LibTorch's element-wise threads (0: all cores; more than 1 oversubscribes small machines)")
      ("device", po::value<std::string>(&c.device)->default_value("cpu"), "cpu or cuda")
      ("out", po::value<std::string>(&out), "report file (default: runs/<dataset>-<model>-<selector>-<time>.json)")
      ("quiet,q", "no progress on stderr");
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {
    std::cout << "usage: d2ace-bench run --dataset NAME|PATH [options]\n\n" << opts;
    return 0;
  }
  auto vm = parse(args, opts);
  if (protocol == "d2ace-paper") {
    // Options given on the command line win; the preset fills in only the ones left at default.
    try {
      po::store(po::command_line_parser(d2ace_paper_protocol()).options(opts).run(), vm);
      po::notify(vm);
    } catch (const po::error& e) {
      throw InputError(e.what());
    }
  } else if (protocol != "none") {
    throw InputError("--protocol must be none or d2ace-paper, got '" + protocol + "'");
  }
  c.protocol = protocol;
  c.scale_on_all_data = scaling_fit == "all"   ? true
                        : scaling_fit == "train" ? false
                                                 : throw InputError("--scaling-fit must be train or all, got '" + scaling_fit + "'");
  c.seed = seed;
  c.data_dir = resolve_data_dir(data_dir);
  if (vm.count("keep-ratio")) c.keep_ratio = keep;
  c.split = split == "official" ? SplitMode::kOfficial
            : split == "kfold"  ? SplitMode::kKFold
                                : throw InputError("--split must be kfold or official, got '" + split + "'");
  c.scaling = parse_scaling(scaling);
  c.trainer.checkpoint = parse_checkpoint(checkpoint);
  c.only_folds = folds_only;
  c.model_params = Params::parse_assignments(model_params, "--model-param");
  c.selector_params = Params::parse_assignments(selector_params, "--selector-param");
  if (out.empty()) {
    std::string stamp = utc_now();
    stamp.erase(std::remove(stamp.begin(), stamp.end(), ':'), stamp.end());
    out = "runs/" + sanitize(c.dataset) + "-" + c.model + "-" + c.selector + "-" + stamp + ".json";
  }
  configure_threads(threads, intra_op_threads);

  Registries reg;
  Experiment experiment(c, reg);  // bad input stops here, before any report exists
  const bool show_progress = !vm.count("quiet") && isatty(STDERR_FILENO);
  for (const auto& n : experiment.data().notices)
    std::cerr << "notice: " << experiment.data().name << ": " << n << "\n";
  auto start = std::chrono::steady_clock::now();
  std::vector<Json> cells = experiment.run([&](const CellProgress& p) {
    if (!show_progress) return;
    if (p.epoch) {
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "\r[cell %lld/%lld] epoch %lld/%lld  loss %.4f  val macro-AUC %.4f  %.0fs   ",
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
      std::cout << "cell " << cell["identity"].value("split", Json::object()).value("fold", -1) << ": "
                << st["state"].get<std::string>() << ": " << st["message"].get<std::string>() << "\n";
    }
  }
  print_table(cells, std::cout);
  const Json& t = doc["summary"]["timings"];
  if (t.contains("training_s"))
    std::cout << "time per cell (mean): training " << fmt(t["training_s"]["mean"].get<double>(), 2)
              << " s, selection " << fmt(t["selection_s"]["mean"].get<double>(), 3) << " s, evaluation "
              << fmt(t["evaluation_s"]["mean"].get<double>(), 2) << " s, wall "
              << fmt(t["wall_s"]["mean"].get<double>(), 2) << " s  (" << doc["provenance"]["blas"].get<std::string>().substr(
                     0, doc["provenance"]["blas"].get<std::string>().find(' '))
              << " " << thread_config().blas << " threads, LibTorch " << at::get_num_threads() << ")\n";
  std::cout << "report: " << out << "\n";
  return failed ? 1 : 0;
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
    throw InputError("unknown command '" + cmd + "' (expected run, list, inspect or summary)");
  } catch (const InputError& e) {
    std::cerr << "d2ace-bench: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::string message = e.what();
    std::cerr << "d2ace-bench: failed: " << message.substr(0, message.find('\n')) << "\n";
    return 1;
  }
}
