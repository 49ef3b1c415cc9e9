// bench/matrix and the matrix, merge and compare commands: cells with stable ids, resuming after a
// kill with nothing lost, broken cells rerun, shards that partition the cells, byte-identical
// merges, and a comparison that fails when a metric is made worse on purpose.
#include "tests/catch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "bench/experiment.h"
#include "bench/matrix.h"
#include "tests/support.h"

using namespace d2ace;
using namespace d2ace::test;
namespace fs = std::filesystem;

namespace {

const std::string kSource = D2ACE_SOURCE_DIR;

std::string config(const std::string& name, int folds, int epochs, const std::string& extra = "") {
  return write_temp(name + ".json", R"({"name": ")" + name + R"(",
    "datasets": ["synthetic:n=240,d=12,q=4,seed=3"], "models": ["mlp"],
    "selectors": ["uniform", {"name": "d2ace", "params": {"warmup": "1"}}],
    "folds": )" + std::to_string(folds) +
                                        R"(, "settings": {"epochs": )" + std::to_string(epochs) +
                                        R"(, "batch-size": 32)" + extra + "}}");
}

std::set<std::string> reports(const std::string& dir) {
  std::set<std::string> out;
  if (!fs::exists(dir + "/cells")) return out;
  for (const auto& e : fs::directory_iterator(dir + "/cells"))
    if (e.path().extension() == ".json") out.insert(e.path().filename().string());
  return out;
}

}  // namespace

TEST_CASE("matrix: every cell once, skipped on a rerun, merged into groups", "[matrix][slow]") {
  const std::string dir = temp_path("mx-basic");
  CliResult r = run_cli(kSource + "/configs/smoke.json --out " + dir);  // no command: usage
  CHECK(r.exit_code == 2);
  r = run_cli("matrix " + kSource + "/configs/smoke.json --out " + dir + " --jobs 2 --quiet");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(reports(dir).size() == 4);
  CHECK(r.out.find("4 cells, 0 already finished, 4 run, 0 failed") != std::string::npos);
  r = run_cli("matrix " + kSource + "/configs/smoke.json --out " + dir + " --quiet");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("4 already finished, 0 run") != std::string::npos);

  r = run_cli("merge " + dir + " --quiet");
  REQUIRE(r.exit_code == 0);
  const std::string first = slurp(dir + "/summary.json");
  Json s = Json::parse(first);
  REQUIRE(s["groups"].size() == 2);
  CHECK(s["groups"][0]["selector"] == "d2ace[warmup=1]");  // labels carry the given parameters
  CHECK(s["groups"][1]["selector"] == "uniform");
  CHECK(s["groups"][0]["done"] == 2);
  CHECK(s["groups"][0]["metrics"]["micro_f1"]["n"] == 2);
  CHECK(s["cells"].size() == 4);
  // Time to accuracy: d2ace's cells against uniform's of the same fold; none for uniform itself.
  const Json& efficiency = s["groups"][0]["efficiency_vs_uniform"];
  CHECK(efficiency["matched"] == 2);
  CHECK(efficiency["reached"].get<int64_t>() <= 2);
  CHECK(efficiency["epoch_speedup"]["n"] == efficiency["reached"]);
  CHECK_FALSE(s["groups"][1].contains("efficiency_vs_uniform"));
  CHECK(s["cells"][0]["efficiency_vs_uniform"]["target"].is_number());
  run_cli("merge " + dir + " --quiet");
  CHECK(slurp(dir + "/summary.json") == first);  // the same reports, the same bytes
}

TEST_CASE("matrix: a killed matrix resumes with nothing lost, broken cells run again",
          "[matrix][slow]") {
  const std::string dir = temp_path("mx-kill"), cfg = config("killed", 6, 12);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execl(D2ACE_CLI, D2ACE_CLI, "matrix", cfg.c_str(), "--out", dir.c_str(), "--jobs", "1",
            "--quiet", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Kill it once some but not all of its 12 cells are written.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (reports(dir).size() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  std::set<std::string> before = reports(dir);
  REQUIRE(before.size() >= 2);
  REQUIRE(before.size() < 12);
  std::map<std::string, fs::file_time_type> stamps;
  for (const auto& f : before) stamps[f] = fs::last_write_time(dir + "/cells/" + f);

  CliResult r = run_cli("matrix " + cfg + " --out " + dir + " --quiet");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(reports(dir).size() == 12);
  for (const auto& [f, t] : stamps)
    CHECK(fs::last_write_time(dir + "/cells/" + f) == t);  // not rerun
  for (const auto& e : fs::directory_iterator(dir + "/cells"))
    CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);

  // A broken report (say, a disk filled mid-write by something else) is run again, alone.
  const std::string victim = dir + "/cells/" + *before.begin();
  std::ofstream(victim) << "{\"kind\": \"run\", \"cel";
  r = run_cli("matrix " + cfg + " --out " + dir + " --quiet");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("11 already finished, 1 run, 0 failed") != std::string::npos);
  CHECK(inspect_cell_file(victim) == CellFile::kDone);
}

TEST_CASE("matrix: ids are stable, shards partition the cells", "[matrix]") {
  Registries reg;
  MatrixConfig c = load_matrix_config(config("sharded", 5, 2));
  auto cells = expand_matrix(c, reg);
  REQUIRE(cells.size() == 10);
  CHECK(expand_matrix(load_matrix_config(config("sharded", 5, 2)), reg)[3].id == cells[3].id);
  // A changed setting is a different cell.
  CHECK(expand_matrix(load_matrix_config(config("sharded", 5, 3)), reg)[0].id != cells[0].id);
  std::set<std::string> seen;
  size_t total = 0;
  for (int i = 0; i < 3; ++i)
    for (const auto& cell : shard_cells(cells, std::to_string(i) + "/3"))
      seen.insert(cell.id), ++total;
  CHECK(total == 10);
  CHECK(seen.size() == 10);
  CHECK_THROWS_AS(shard_cells(cells, "3/3"), InputError);
  CHECK_THROWS_AS(shard_cells(cells, "1-3"), InputError);
}

TEST_CASE("matrix: a protocol's recipe is each cell's model's, under the config's parameters",
          "[matrix]") {
  // Each cell is built from its dataset and its model: backbone-papers trains mpvae by MPVAE's
  // recipe and clif by CLIF's, and a parameter the config gives wins over the recipe's.
  const std::string data = shared_datasets();
  if (data.empty()) {
    WARN("../shared/datasets is absent: skipped");
    return;
  }
  Registries reg;
  auto config_for = [&](const std::string& protocol) {
    return write_temp(protocol + ".json", R"({"name": "bp", "datasets": ["yeast"],
      "models": ["clif", {"name": "mpvae", "params": {"kl_coeff": "2"}}],
      "selectors": ["uniform"], "folds": 5, "only_folds": [0],
      "settings": {"protocol": ")" + protocol +
                                              R"(", "data-dir": ")" + data + R"("}})");
  };
  const std::string path = config_for("backbone-papers");
  const auto cells = expand_matrix(load_matrix_config(path), reg);
  REQUIRE(cells.size() == 2);
  for (const auto& cell : cells) {
    const ExperimentConfig& c = cell.config;
    if (cell.model.name == "mpvae") {
      CHECK(c.trainer.epochs == 800);
      CHECK(c.trainer.learning_rate == 6e-4);
      CHECK(c.model_params.at("rank_coeff") == "20");
      CHECK(c.model_params.at("kl_coeff") == "2");
      CHECK(c.trainer.threshold.tuned());
    } else {
      CHECK(c.trainer.epochs == 200);
      CHECK(c.trainer.threshold.value == 0.4);
      CHECK(c.model_params.at("link_weight") == "0.001");
    }
  }
}

TEST_CASE("matrix: bad configs stop before anything runs", "[matrix][slow]") {
  const std::string dir = temp_path("mx-bad");
  auto bad = [&](const std::string& text, const std::string& expected) {
    CliResult r = run_cli("matrix " + write_temp("bad.json", text) + " --out " + dir);
    INFO(text << "\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(expected) != std::string::npos);
    CHECK(!fs::exists(dir));
  };
  bad("{\"datasets\": [\"synthetic\"], \"models\": [\"mlp\"], \"selectors\": [\"nope\"]}",
      "unknown selector 'nope'");
  bad("{\"datasets\": [\"synthetic\"], \"models\": [\"mlp\"], \"selectors\": [\"uniform\"], "
      "\"settings\": {\"epochs\": 0}}",
      "--epochs must be at least 1");
  bad("{\"datasets\": [\"synthetic\"], \"models\": [\"mlp\"], \"selectors\": [\"uniform\"], "
      "\"settings\": {\"seed\": 1}}",
      "set by the matrix itself");
  bad("{\"datasets\": [\"synthetic\"], \"models\": [{\"name\": \"mlp\", \"params\": {\"depth\": "
      "2}}], \"selectors\": [\"uniform\"]}",
      "depth");
  bad("{\"datasets\": [\"no-such-set\"], \"models\": [\"mlp\"], \"selectors\": [\"uniform\"]}",
      "no-such-set");
  bad("{\"datasets\": [], \"models\": [\"mlp\"], \"selectors\": [\"uniform\"]}",
      "'datasets' must be a non-empty array");
  bad("{\"datasets\": [\"synthetic\"], \"models\": [\"mlp\"], \"selectors\": [\"uniform\"], "
      "\"typo\": 1}",
      "unknown key 'typo'");
  const std::string folds =
      write_temp("two-folds.json", R"({"folds": [{"test": [0]}, {"test": [1]}]})");
  bad("{\"datasets\": [\"synthetic\"], \"models\": [\"mlp\"], \"selectors\": [\"uniform\"], "
      "\"settings\": {\"split-file\": \"" +
          folds + "\"}}",
      "has 2 folds, but \"folds\" is 5");
  bad("not json", "not valid JSON");
}

TEST_CASE("compare: fails when a metric of the committed CI reference is made worse",
          "[matrix][slow]") {
  const std::string ref = kSource + "/results/reference/ci.json";
  REQUIRE(fs::exists(ref));
  CliResult same = run_cli("compare " + ref + " " + ref);
  CHECK(same.exit_code == 0);
  CHECK(same.out.find("0 regressions, 0 missing") != std::string::npos);

  Json doc = read_json_file(ref);
  auto write = [&](const Json& d) { return write_temp("current.json", d.dump(2)); };
  SECTION("a higher-is-better metric lowered") {
    doc["cells"][3]["metrics"]["macro_f1"] =
        doc["cells"][3]["metrics"]["macro_f1"].get<double>() - 0.01;
    CliResult r = run_cli("compare " + ref + " " + write(doc));
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("REGRESSION") != std::string::npos);
    CHECK(r.out.find("macro_f1") != std::string::npos);
    // Within a tolerance it passes; a tolerance on another metric does not cover it.
    CHECK(run_cli("compare " + ref + " " + write(doc) + " --tolerance macro_f1=0.02").exit_code ==
          0);
    CHECK(run_cli("compare " + ref + " " + write(doc) + " --tolerance micro_f1=0.02").exit_code ==
          1);
  }
  SECTION("a lower-is-better metric raised; lowering it is an improvement") {
    Json worse = doc, better = doc;
    worse["cells"][0]["metrics"]["hamming_loss"] =
        doc["cells"][0]["metrics"]["hamming_loss"].get<double>() + 1e-6;
    better["cells"][0]["metrics"]["hamming_loss"] =
        doc["cells"][0]["metrics"]["hamming_loss"].get<double>() - 0.01;
    CHECK(run_cli("compare " + ref + " " + write(worse)).exit_code == 1);
    CliResult r = run_cli("compare " + ref + " " + write(better));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("improved") != std::string::npos);
  }
  SECTION("a cell missing from the current summary, or failed there") {
    Json missing = doc, failed = doc;
    missing["cells"].erase(missing["cells"].begin() + 5);
    CliResult r = run_cli("compare " + ref + " " + write(missing));
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("MISSING") != std::string::npos);
    failed["cells"][2]["state"] = "diverged";
    CHECK(run_cli("compare " + ref + " " + write(failed)).exit_code == 1);
  }
  SECTION("bad input") {
    CHECK(run_cli("compare " + ref + " " + write(doc) + " --tolerance nonsense=1").exit_code == 2);
    CHECK(run_cli("compare " + ref + " " + write_temp("x.json", "{\"kind\": \"run\"}")).exit_code ==
          2);
    const CliResult malformed =
        run_cli("compare " + ref + " " +
                write_temp("m.json",
                           R"({"kind": "summary", "cells": [{"dataset": "yeast", "model": 1}]})"));
    CHECK(malformed.exit_code == 2);
    CHECK_THAT(malformed.err,
               Catch::Contains("the current summary's cell 0 has no string 'model'"));
  }
}

TEST_CASE("tables: Markdown and LaTeX tables and figures from a merged summary, byte-identical",
          "[matrix][slow]") {
  const std::string dir = temp_path("mx-tables");
  REQUIRE(
      run_cli("matrix " + kSource + "/configs/smoke.json --out " + dir + " --quiet").exit_code ==
      0);
  REQUIRE(run_cli("merge " + dir + " --quiet").exit_code == 0);
  const std::string tables = python() + " " + kSource + "/scripts/tables " + dir + " --out " + dir +
                             "/paper > " + dir + "/tables.log 2>&1";
  REQUIRE(std::system(tables.c_str()) == 0);
  const std::string md = slurp(dir + "/paper/tables/mlp-macro_f1.md");
  const std::string tex = slurp(dir + "/paper/tables/mlp-macro_f1.tex");
  CHECK(md.find("| dataset | d2ace[warmup=1] | uniform |") != std::string::npos);
  CHECK(md.find("**") != std::string::npos);  // the best in bold
  CHECK(md.find("| average rank |") != std::string::npos);
  CHECK(md.find("Friedman test") != std::string::npos);
  CHECK(tex.find("\\toprule") != std::string::npos);
  CHECK(tex.find("\\textbf{") != std::string::npos);
  // Time to accuracy: d2ace's cells against uniform's (reached/matched).
  const std::string speedup = slurp(dir + "/paper/tables/mlp-speedup.md");
  CHECK(speedup.find("| dataset | d2ace[warmup=1] |") != std::string::npos);
  CHECK(speedup.find("/2) |") != std::string::npos);
  CHECK(fs::exists(dir + "/paper/tables/mlp-speedup.tex"));
  for (const char* f : {"mlp-macro_f1-cd.png", "mlp-macro_f1-cd.pdf", "mlp-overhead.png",
                        "mlp-overhead.pdf", "mlp-speedup.png", "mlp-speedup.pdf"})
    CHECK(fs::exists(dir + "/paper/figures/" + f));
  const std::string pdf = slurp(dir + "/paper/figures/mlp-macro_f1-cd.pdf");
  REQUIRE(std::system(tables.c_str()) == 0);
  CHECK(slurp(dir + "/paper/tables/mlp-macro_f1.md") == md);
  CHECK(slurp(dir + "/paper/tables/mlp-macro_f1.tex") == tex);
  CHECK(slurp(dir + "/paper/figures/mlp-macro_f1-cd.pdf") == pdf);
  // A summary of something else is refused with one line.
  const std::string bad = python() + " " + kSource + "/scripts/tables " +
                          write_temp("s.json", "{\"kind\": \"run\"}") + " > /dev/null 2>&1";
  CHECK(WEXITSTATUS(std::system(bad.c_str())) == 2);
}
