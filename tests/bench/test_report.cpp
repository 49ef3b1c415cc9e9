// bench/report: the cell document against a golden file, the summary, atomic writing.
#include "tests/catch.h"

#include <filesystem>
#include <fstream>

#include "bench/report.h"
#include "tests/support.h"

using namespace d2ace;

namespace {

TrainingResult fixed_result() {
  TrainingResult r;
  for (int e = 0; e < 2; ++e) {
    EpochRecord rec;
    rec.epoch = e;
    rec.learning_rate = 0.001 * (e + 1) / 2;
    rec.train_loss = 0.6 - 0.1 * e;
    rec.val_loss = 0.65 - 0.1 * e;
    rec.val_macro_auc = e == 0 ? std::nan("") : 0.75;
    rec.seconds = 0.5;
    rec.training_seconds = 0.5;
    rec.elapsed_seconds = 0.503 * (e + 1);
    rec.steps = 4;
    rec.distinct_instances = 100;
    rec.plan_seconds = 0.001;
    rec.observe_seconds = 0.002;
    rec.end_epoch_seconds = 0.0;
    if (e == 1) rec.selector = {{"pressure", 8.0}};
    r.epochs.push_back(rec);
  }
  r.best_epoch = 1;
  torch::Tensor S = torch::tensor({0.9, 0.2, 0.4, 0.7}, torch::kDouble).view({2, 2});
  torch::Tensor Y = torch::tensor({1.0, 0.0, 0.0, 1.0}, torch::kDouble).view({2, 2});
  r.test = evaluate(S, Y);
  r.timings.training = 1.0;
  r.timings.plan = 0.002;
  r.timings.observe = 0.004;
  r.timings.evaluation = 0.25;
  return r;
}

Json fixed_identity() {
  return Json{{"dataset", {{"name", "toy"}}},
              {"split", {{"fold", 0}}},
              {"selector", {{"name", "uniform"}}}};
}

}  // namespace

TEST_CASE("report: a cell document matches the golden file", "[report]") {
  Json prov = {
      {"git_commit", "abc"}, {"start", "2026-01-01T00:00:00Z"}, {"end", "2026-01-01T00:00:02Z"}};
  Json doc = cell_report(fixed_identity(), prov, fixed_result(), 2.0);
  const std::string golden_path = D2ACE_SOURCE_DIR "/tests/data/golden_cell_report.json";
  if (std::getenv("D2ACE_UPDATE_GOLDEN")) write_json_atomically(golden_path, doc);
  std::ifstream in(golden_path);
  REQUIRE(in.good());
  Json golden = Json::parse(in);
  CHECK(doc.dump(2) == golden.dump(2));
  // What readers rely on.
  CHECK(doc["schema_version"] == kReportSchemaVersion);
  CHECK(doc["metrics"]["test"]["hamming_loss"]["direction"] == "lower_is_better");
  CHECK(doc["curves"]["val_macro_auc"][0].is_null());  // NaN -> null
  CHECK(doc["curves"]["selector"]["pressure"] == Json::array({nullptr, 8.0}));
  CHECK(doc["id"] == cell_id(fixed_identity()));
}

TEST_CASE("report: summary over done cells", "[report]") {
  Json prov = Json::object();
  Json a = cell_report(fixed_identity(), prov, fixed_result(), 2.0);
  Json b = a;
  b["metrics"]["test"]["micro_f1"]["value"] = 0.0;
  Json broken = failed_cell_report(fixed_identity(), prov, "error", "boom");
  Json s = summarize_cells({a, b, broken});
  CHECK(s["cells"] == 3);
  CHECK(s["done"] == 2);
  const double f1 = a["metrics"]["test"]["micro_f1"]["value"].get<double>();
  CHECK(s["metrics"]["micro_f1"]["mean"].get<double>() == Approx(f1 / 2));
  CHECK(s["metrics"]["micro_f1"]["std"].get<double>() == Approx(f1 / 2));  // population std
  CHECK(s["metrics"]["micro_f1"]["n"] == 2);
  CHECK(s["metrics"]["micro_f1"]["direction"] == "higher_is_better");
  CHECK(s["timings"]["training_s"]["mean"].get<double>() == Approx(1.0));
}

TEST_CASE("report: written atomically, replacing the old file, leaving no temporary", "[report]") {
  namespace fs = std::filesystem;
  std::string dir = test::temp_path("reports");
  std::string path = dir + "/sub/r.json";
  write_json_atomically(path, Json{{"a", 1}});
  write_json_atomically(path, Json{{"a", 2}});
  std::ifstream in(path);
  CHECK(Json::parse(in)["a"] == 2);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir + "/sub")) files += e.is_regular_file();
  CHECK(files == 1);
  CHECK_THROWS(write_json_atomically("/proc/no/such/dir/r.json", Json::object()));
}
