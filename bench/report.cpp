#include "bench/report.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/seeds.h"

namespace d2ace {
namespace {

// NaN -> null (JSON has no NaN).
Json number(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }

Json timings_json(const Timings& t, double wall) {
  Json j;
  j["training_s"] = t.training;
  j["selection_s"] = {{"plan", t.plan},
                      {"observe", t.observe},
                      {"rescore", t.rescore},
                      {"end_epoch", t.end_epoch},
                      {"total", t.selection()}};
  j["evaluation_s"] = t.evaluation;
  j["neighbour_search_s"] = t.neighbour_search;
  j["wall_s"] = wall;
  j["selection_share_of_training"] =
      t.training > 0 ? number(t.selection() / t.training) : Json(nullptr);
  return j;
}

Json curves_json(const std::vector<EpochRecord>& epochs) {
  Json c;
  auto column = [&](const char* name, auto get) {
    Json a = Json::array();
    for (const auto& e : epochs) a.push_back(get(e));
    c[name] = a;
  };
  column("epoch", [](const EpochRecord& e) { return Json(e.epoch); });
  column("learning_rate", [](const EpochRecord& e) { return number(e.learning_rate); });
  column("train_loss", [](const EpochRecord& e) { return number(e.train_loss); });
  column("val_loss", [](const EpochRecord& e) { return number(e.val_loss); });
  column("val_macro_auc", [](const EpochRecord& e) { return number(e.val_macro_auc); });
  column("seconds", [](const EpochRecord& e) { return number(e.seconds); });
  column("training_seconds", [](const EpochRecord& e) { return number(e.training_seconds); });
  column("elapsed_seconds", [](const EpochRecord& e) { return number(e.elapsed_seconds); });
  column("steps", [](const EpochRecord& e) { return Json(e.steps); });
  column("distinct_instances", [](const EpochRecord& e) { return Json(e.distinct_instances); });
  column("plan_seconds", [](const EpochRecord& e) { return number(e.plan_seconds); });
  column("observe_seconds", [](const EpochRecord& e) { return number(e.observe_seconds); });
  column("rescore_seconds", [](const EpochRecord& e) { return number(e.rescore_seconds); });
  column("end_epoch_seconds", [](const EpochRecord& e) { return number(e.end_epoch_seconds); });
  Json sel = Json::object();
  for (size_t k = 0; k < epochs.size(); ++k)
    for (const auto& [name, value] : epochs[k].selector) {
      if (!sel.contains(name)) sel[name] = Json::array();
      while (sel[name].size() < k) sel[name].push_back(nullptr);
      sel[name].push_back(number(value));
    }
  c["selector"] = sel;
  return c;
}

Json metric_values(const Evaluation& ev) {
  Json test;
  for (const auto& v : ev.values)
    test[v.name] = {{"value", number(v.value)},
                    {"direction", to_string(metric_info(v.name).direction)}};
  return test;
}

// The threshold: the number for a fixed one; for a tuned one its rule, the values chosen (one, or
// one per label) and the test at 0.5 beside the tuned test.
Json metrics_json(const TrainingResult& r, const Json& threshold) {
  const Evaluation& ev = r.test;
  Json m;
  m["threshold"] = threshold;
  if (threshold.is_string()) {
    m["thresholds"] = r.thresholds;
    m["test_at_0_5"] = metric_values(r.test_at_default);
  }
  m["test"] = metric_values(ev);
  m["counts"] = {{"instances", ev.instances},
                 {"labels", ev.labels},
                 {"labels_with_both_classes", ev.labels_with_both_classes},
                 {"labels_with_positives", ev.labels_with_positives},
                 {"labels_without_tp_fp_fn", ev.labels_without_tp_fp_fn}};
  Json conv;
  for (const auto& info : metric_catalog()) conv[info.name] = info.convention;
  m["conventions"] = conv;
  return m;
}

void add_stat(Json& into, const std::string& name, const std::vector<double>& xs,
              const char* direction) {
  Json s = statistics(xs);
  if (direction) s["direction"] = direction;
  into[name] = s;
}

}  // namespace

Json statistics(const std::vector<double>& xs) {
  double sum = 0;
  int n = 0;
  for (double x : xs)
    if (std::isfinite(x)) sum += x, ++n;
  double mean = n ? sum / n : NAN, ss = 0;
  for (double x : xs)
    if (std::isfinite(x)) ss += (x - mean) * (x - mean);
  return {{"mean", number(mean)}, {"std", number(n ? std::sqrt(ss / n) : NAN)}, {"n", n}};
}

Json RunDocument::to_json() const {
  Json doc;
  doc["schema_version"] = kReportSchemaVersion;
  doc["kind"] = "run";
  doc["command"] = command;
  doc["provenance"] = provenance;
  doc["cells"] = cells;
  doc["summary"] = summarize_cells(cells);
  if (!matrix_cell.is_null()) doc["matrix_cell"] = matrix_cell;
  return doc;
}

std::string cell_id(const Json& identity) {
  std::string text = identity.dump();
  uint64_t h = derive_seed(0x5eed, {text});
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(h));
  return buffer;
}

namespace {

// What every cell document starts with.
Json cell_header(const Json& identity, const Json& provenance, const std::string& state,
                 const std::string& message) {
  Json j;
  j["schema_version"] = kReportSchemaVersion;
  j["kind"] = "cell";
  j["id"] = cell_id(identity);
  j["identity"] = identity;
  j["provenance"] = provenance;
  j["status"] = {{"state", state}, {"message", message}};
  return j;
}

}  // namespace

Json cell_report(const Json& identity, const Json& provenance, const TrainingResult& r,
                 double wall) {
  Json j = cell_header(identity, provenance, r.status == RunStatus::kDone ? "done" : "diverged",
                       r.message);
  const Json threshold = identity.contains("trainer") && identity["trainer"].contains("threshold")
                             ? identity["trainer"]["threshold"]
                             : Json(0.5);
  j["metrics"] = r.status == RunStatus::kDone ? metrics_json(r, threshold) : Json(nullptr);
  j["best_epoch"] = r.best_epoch;
  if (r.stopped_epoch >= 0) j["stopped_epoch"] = r.stopped_epoch;
  j["curves"] = curves_json(r.epochs);
  j["timings"] = timings_json(r.timings, wall);
  return j;
}

Json failed_cell_report(const Json& identity, const Json& provenance, const std::string& state,
                        const std::string& message) {
  Json j = cell_header(identity, provenance, state, message);
  j["metrics"] = nullptr;
  return j;
}

Json summarize_cells(const std::vector<Json>& cells) {
  std::map<std::string, std::vector<double>> metrics;
  std::map<std::string, std::vector<double>> timings;
  int done = 0;
  for (const auto& c : cells) {
    if (c["status"]["state"] != "done") continue;
    ++done;
    for (const auto& [name, v] : c["metrics"]["test"].items())
      metrics[name].push_back(v["value"].is_number() ? v["value"].get<double>() : NAN);
    const Json& t = c["timings"];
    timings["training_s"].push_back(t["training_s"].get<double>());
    timings["selection_s"].push_back(t["selection_s"]["total"].get<double>());
    timings["evaluation_s"].push_back(t["evaluation_s"].get<double>());
    timings["wall_s"].push_back(t["wall_s"].get<double>());
  }
  Json s;
  s["cells"] = cells.size();
  s["done"] = done;
  Json m = Json::object();
  for (const auto& info : metric_catalog())
    if (metrics.count(info.name))
      add_stat(m, info.name, metrics[info.name], to_string(info.direction));
  s["metrics"] = m;
  Json t = Json::object();
  for (const char* name : {"training_s", "selection_s", "evaluation_s", "wall_s"})
    if (timings.count(name)) add_stat(t, name, timings[name], nullptr);
  s["timings"] = t;
  return s;
}

Json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot read");
  try {
    return Json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": not valid JSON (" + std::string(e.what()).substr(0, 120) + ")");
  }
}

void check_writable_directory(const std::string& dir, const std::string& option) {
  namespace fs = std::filesystem;
  const fs::path where = dir.empty() ? fs::path(".") : fs::path(dir);
  std::error_code ec;
  fs::create_directories(where, ec);
  std::string reason = ec ? ec.message() : "";
  if (!ec) {
    const fs::path probe = where / (".d2ace-write-check." + std::to_string(::getpid()));
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
      reason = std::strerror(errno);
    } else {
      ::close(fd);
      fs::remove(probe, ec);
    }
  }
  if (!reason.empty())
    throw InputError(option + " " + where.string() + ": cannot write there (" + reason + ")");
}

void write_json_atomically(const std::string& path, const Json& doc) {
  namespace fs = std::filesystem;
  fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const std::string text = doc.dump(2) + "\n";
  // One message for every failure: the report's path and the system's reason (a full disk says
  // "No space left on device"); the temporary file is removed and `path` is left as it was.
  auto fail = [&](const char* step, int fd) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    std::remove(tmp.c_str());
    throw OutputError("cannot write the report " + path + ": " + step + " failed (" + reason +
                      "); any earlier report there is unchanged");
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail("creating its temporary file", -1);
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t w = ::write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = ENOSPC;
      fail("write", fd);
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0) fail("flush", fd);
  if (::close(fd) != 0) fail("close", -1);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("rename", -1);
}

}  // namespace d2ace
