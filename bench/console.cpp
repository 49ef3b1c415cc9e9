#include "bench/console.h"

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <map>
#include <sstream>

#include "core/error.h"

namespace d2ace {
namespace {

const std::vector<std::string> kTableMetrics = {"micro_f1", "macro_f1", "hamming_loss", "macro_auc",
                                                "ranking_loss"};

// Left-aligns `s` in `width` columns, counting UTF-8 characters (the table prints "±").
std::string pad(const std::string& s, size_t width) {
  size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  return chars >= width ? s + " " : s + std::string(width - chars, ' ');
}

std::string metric_cell(const Json& metrics, const std::string& name) {
  if (!metrics.contains(name) || !metrics[name]["mean"].is_number()) return "-";
  return fixed(metrics[name]["mean"].get<double>()) + " ± " +
         fixed(metrics[name]["std"].get<double>());
}

std::string selection_share(const Json& timings) {
  if (!timings.contains("selection_s") || !(timings["training_s"]["mean"].get<double>() > 0))
    return "-";
  return fixed(100.0 * timings["selection_s"]["mean"].get<double>() /
                   timings["training_s"]["mean"].get<double>(),
               2) +
         " %";
}

}  // namespace

std::string fixed(double x, int precision) {
  if (!std::isfinite(x)) return "nan";
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << x;
  return s.str();
}

std::vector<Json> cells_of(const Json& doc, const std::string& path) {
  if (!doc.is_object() || !doc.contains("kind"))
    throw InputError(path + ": not a d2ace-bench report");
  if (doc["kind"] == "cell") return {doc};
  if (doc["kind"] == "run") return doc["cells"].get<std::vector<Json>>();
  throw InputError(path + ": unknown report kind " + doc["kind"].dump());
}

void ConsoleReport::groups(const Json& groups) {
  size_t wd = 8, wm = 6, ws = 9;
  for (const auto& g : groups) {
    wd = std::max(wd, g["dataset"].get<std::string>().size() + 2);
    wm = std::max(wm, g["model"].get<std::string>().size() + 2);
    ws = std::max(ws, g["selector"].get<std::string>().size() + 2);
  }
  out_ << pad("dataset", wd) << pad("model", wm) << pad("selector", ws) << pad("cells", 7);
  for (const auto& m : kTableMetrics) out_ << pad(m, 19);
  out_ << "selection/train\n";
  for (const auto& s : groups) {
    out_ << pad(s["dataset"].get<std::string>(), wd) << pad(s["model"].get<std::string>(), wm)
         << pad(s["selector"].get<std::string>(), ws)
         << pad(std::to_string(s["done"].get<int>()) + "/" + std::to_string(s["cells"].get<int>()),
                7);
    for (const auto& m : kTableMetrics) out_ << pad(metric_cell(s["metrics"], m), 19);
    out_ << selection_share(s["timings"]) << "\n";
  }
}

void ConsoleReport::table(const std::vector<Json>& cells) {
  std::vector<std::string> keys;  // first-seen order
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
  Json all = Json::array();
  for (const auto& key : keys) {
    Json g = names[key];
    const Json stats = summarize_cells(members[key]);
    for (const auto& [k, v] : stats.items()) g[k] = v;
    all.push_back(g);
  }
  groups(all);
}

int ConsoleReport::failures(const std::vector<Json>& cells) {
  int failed = 0;
  for (const auto& cell : cells) {
    const Json& st = cell["status"];
    if (st["state"] == "done") continue;
    ++failed;
    out_ << "cell " << cell["identity"].value("split", Json::object()).value("fold", -1) << ": "
         << st["state"].get<std::string>() << ": " << st["message"].get<std::string>() << "\n";
  }
  return failed;
}

void ConsoleReport::timing_line(const Json& run_document) {
  const Json& t = run_document["summary"]["timings"];
  if (!t.contains("training_s")) return;
  const Json& prov = run_document["provenance"];
  const std::string blas = prov.value("blas", "?");
  out_ << "time per cell (mean): training " << fixed(t["training_s"]["mean"].get<double>(), 2)
       << " s, selection " << fixed(t["selection_s"]["mean"].get<double>(), 3) << " s, evaluation "
       << fixed(t["evaluation_s"]["mean"].get<double>(), 2) << " s, wall "
       << fixed(t["wall_s"]["mean"].get<double>(), 2) << " s  (" << blas.substr(0, blas.find(' '))
       << " " << prov.value("threads", 0) << " threads, LibTorch "
       << prov.value("intra_op_threads", 0) << ")\n";
}

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled), start_(Clock::now()) {}

void ProgressLine::operator()(const CellProgress& p) const {
  if (!enabled_) return;
  if (p.epoch) {
    std::fprintf(stderr,
                 "\r[cell %lld/%lld] epoch %lld/%lld  loss %.4f  val macro-AUC %.4f  %.0fs   ",
                 static_cast<long long>(p.cell) + 1, static_cast<long long>(p.cells),
                 static_cast<long long>(p.epoch->epoch) + 1, static_cast<long long>(p.epochs),
                 p.epoch->train_loss, p.epoch->val_macro_auc, seconds_since(start_));
  } else if (p.cell == p.cells) {
    std::fprintf(stderr, "\r%80s\r", "");
  }
}

}  // namespace d2ace
