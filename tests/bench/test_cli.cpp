// The d2ace-bench binary: bad input gives one line, exit code 2 and no report; a good run writes
// a valid report; a full disk or a kill -9 never leaves a torn one; list, inspect and summary
// answer.
#include "tests/catch.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/experiment.h"
#include "bench/process.h"
#include "bench/run_options.h"
#include "tests/support.h"

using d2ace::test::run_cli;
using d2ace::test::temp_path;
using d2ace::test::write_temp;

namespace {

const std::string kSmall = " --dataset synthetic:n=200,d=10,q=4 --folds 2 --epochs 2 --quiet";

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// Runs `args` with a fresh --out and checks the bad-input contract.
void expect_bad_input(const std::string& args, const std::string& what) {
  std::string out = temp_path("bad_report.json");
  auto r = run_cli(args + " --out " + out);
  INFO("args: " << args << "\nstderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.rfind("d2ace-bench: error: ", 0) == 0);
  CHECK(r.err.find(what) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));
}

}  // namespace

TEST_CASE("cli: bad input -> one line, exit 2, no report", "[cli][bad-input][slow]") {
  const std::string bad_arff = write_temp(
      "bad.arff", "@relation 'b: -C 1'\n@attribute y {0,1}\n@attribute f numeric\n@data\n1,2\n0\n");
  const std::string nan_arff = write_temp(
      "nan.arff", "@relation 'b: -C 1'\n@attribute y {0,1}\n@attribute f numeric\n@data\n1,NaN\n");
  expect_bad_input("run --dataset nosuchset", "unknown dataset 'nosuchset'");
  expect_bad_input("run" + kSmall + " --model resnet", "unknown model 'resnet'");
  expect_bad_input("run" + kSmall + " --model cnn", "model 'cnn' reads images");
  expect_bad_input("run" + kSmall + " --selector best", "unknown selector 'best'");
  expect_bad_input("run" + kSmall + " --epochs ten", "--epochs");
  expect_bad_input("run" + kSmall + " --bogus 1", "unrecognised option '--bogus'");
  expect_bad_input("run" + kSmall + " --selector-param x", "--selector-param expects key=value");
  expect_bad_input("run" + kSmall + " --split official", "no official train/test split");
  expect_bad_input("run --dataset " + bad_arff + " --folds 2",
                   bad_arff + ":6: expected 2 values, found 1");
  expect_bad_input("run --dataset " + nan_arff + " --folds 2",
                   bad_arff.substr(0, 0) + "NaN or infinite");
  // Finite but huge: the column's mean overflows, so scaling would make NaNs.
  std::string huge_rows;
  for (int i = 0; i < 40; ++i)
    huge_rows +=
        std::to_string(i % 2) + "," + (i % 3 ? "3e38" : "-3e38") + "," + std::to_string(i) + "\n";
  const std::string huge_arff = write_temp(
      "huge.arff",
      "@relation 'h: -C 1'\n@attribute y {0,1}\n@attribute big numeric\n@attribute f numeric\n"
      "@data\n" +
          huge_rows);
  expect_bad_input("run --dataset " + huge_arff + " --folds 2",
                   "feature 'big' (column 0, values from -3");
  expect_bad_input("run --dataset " + huge_arff + " --folds 2 --scaling minmax",
                   "does not scale to finite single-precision values with --scaling minmax");
  expect_bad_input("run --dataset /no/such/file.arff", "/no/such/file.arff: no such file");
  expect_bad_input("run --dataset yeast --data-dir /no/such/dir", "scripts/fetch-datasets");
  expect_bad_input("frobnicate", "unknown command 'frobnicate'");
  const std::string far_folds =
      write_temp("far-folds.json", R"({"folds": [{"test": [0, 1]}, {"test": [2, 999]}]})");
  expect_bad_input("run" + kSmall + " --split-file " + far_folds,
                   far_folds + ": fold 1: test row 999 is out of range");
  expect_bad_input("run" + kSmall + " --split-file " + far_folds + " --split official",
                   "--split-file and --split official exclude each other");
  expect_bad_input("run" + kSmall + " --stop-at auc=0.7", "--stop-at 'auc=0.7': unknown rule");
  expect_bad_input("run" + kSmall + " --stop-at macro_auc=high", "'high' is not a number");
  expect_bad_input("run" + kSmall + " --stop-at loss=0.3 --validation 0",
                   "reads the validation part");
  // An output place that cannot be written is refused before anything is read or trained.
  for (const std::string& command :
       {std::string("run") + kSmall + " --out /proc/d2ace-nope/report.json",
        std::string("matrix ") + D2ACE_SOURCE_DIR + "/configs/smoke.json --out /proc/d2ace-nope"}) {
    const auto r = run_cli(command);
    INFO(command << "\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK_THAT(r.err,
               Catch::Contains("--out /proc/d2ace-nope") && Catch::Contains("cannot write there"));
  }
  auto missing = run_cli("run --epochs 3");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("'--dataset' is required"));
}

TEST_CASE("cli: a run writes a valid report that summary reads", "[cli][slow]") {
  std::string out = temp_path("run.json");
  auto r = run_cli("run" + kSmall + " --threads 1 --out " + out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("report: " + out));
  std::ifstream in(out);
  auto doc = nlohmann::json::parse(in);
  CHECK(doc["schema_version"] == 1);
  CHECK(doc["kind"] == "run");
  REQUIRE(doc["cells"].size() == 2);
  for (const auto& cell : doc["cells"]) {
    CHECK(cell["status"]["state"] == "done");
    CHECK(cell["provenance"]["threads"] == 1);
    CHECK(cell["provenance"]["blas"].get<std::string>() != "");
    CHECK(cell["identity"]["selector"]["version"] == "uniform-1");
    CHECK(cell["timings"]["training_s"].get<double>() > 0);
  }
  CHECK(doc["summary"]["metrics"]["micro_f1"]["n"] == 2);
  auto s = run_cli("summary " + out);
  CHECK(s.exit_code == 0);
  CHECK_THAT(s.out, Catch::Contains("uniform") && Catch::Contains("2/2"));
  CHECK(run_cli("summary " + write_temp("x.json", "{oops")).exit_code == 2);
}

TEST_CASE("cli: --split-file runs the file's folds", "[cli][slow]") {
  // Fold 0 tests every fourth row and validates on rows 1 and 2; fold 1 tests rows 100..149.
  std::string rows0, rows1;
  for (int i = 0; i < 200; i += 4) rows0 += (rows0.empty() ? "" : ", ") + std::to_string(i);
  for (int i = 100; i < 150; ++i) rows1 += (rows1.empty() ? "" : ", ") + std::to_string(i);
  const std::string folds =
      write_temp("folds.json", R"({"folds": [{"test": [)" + rows0 +
                                   R"(], "validation": [1, 2]}, {"test": [)" + rows1 + "]}]}");
  const std::string out = temp_path("split-file.json");
  auto r = run_cli("run --dataset synthetic:n=200,d=10,q=4 --epochs 2 --quiet --split-file " +
                   folds + " --out " + out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(d2ace::test::slurp(out));
  REQUIRE(doc["cells"].size() == 2);
  const auto& split0 = doc["cells"][0]["identity"]["split"];
  CHECK(split0["mode"] == "file");
  CHECK(split0["folds"] == 2);
  CHECK(split0["file"] == std::filesystem::path(folds).filename().string());
  CHECK(split0["file_digest"].get<std::string>().size() == 16);
  CHECK(split0["test"] == 50);
  CHECK(split0["validation"] == 2);
  CHECK(split0["train"] == 148);
  CHECK(doc["cells"][1]["identity"]["split"]["test"] == 50);
  CHECK(doc["cells"][1]["identity"]["split"]["validation"] == 15);  // 10 % of the other 150
}

TEST_CASE("cli: the jobs x threads split and the last wave's threads", "[cli]") {
  using d2ace::choose_parallelism;
  auto split = [](int jobs, int threads, int64_t tasks, int cores) {
    const auto p = choose_parallelism(jobs, threads, tasks, cores);
    return std::make_pair(p.jobs, p.threads);
  };
  CHECK(split(0, 0, 5, 2) == std::make_pair(2, 1));  // default: a single-threaded job per core
  CHECK(split(0, 0, 1, 2) == std::make_pair(1, 2));  // one fold keeps every core
  CHECK(split(0, 2, 5, 2) == std::make_pair(1, 2));  // --threads 2 leaves room for one job
  CHECK(split(3, 0, 5, 2) == std::make_pair(3, 1));
  CHECK(split(4, 1, 3, 8) == std::make_pair(3, 1));  // never more jobs than tasks
  d2ace::FoldProcesses p;
  p.jobs = 2, p.threads = 1, p.cores = 2, p.spread_last_wave = true;
  std::vector<int> five;
  for (int64_t k = 0; k < 5; ++k) five.push_back(p.threads_of(k, 5));
  CHECK(five == std::vector<int>{1, 1, 1, 1, 2});  // the fifth fold runs alone: both cores
  CHECK(p.threads_of(3, 4) == 1);                  // even waves: nothing to spread
  p.spread_last_wave = false;                      // --threads given: every fold keeps it
  CHECK(p.threads_of(4, 5) == 1);
}

TEST_CASE("cli: folds in parallel processes give the serial run's cells", "[cli][slow]") {
  // Three folds, two processes at once, one BLAS thread each, against one process: every cell
  // equal but for its timings and provenance (times, the thread-count fields stay equal).
  const std::string args =
      " --dataset synthetic:n=300,d=10,q=4 --folds 3 --epochs 3 --selector d2ace --quiet "
      "--selector-param warmup=1 --threads 1";
  const std::string serial = temp_path("serial.json"), parallel = temp_path("parallel.json");
  auto a = run_cli("run" + args + " --jobs 1 --out " + serial);
  auto b = run_cli("run" + args + " --jobs 2 --out " + parallel);
  INFO(a.err << b.err);
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  std::ifstream sa(serial), sb(parallel);
  auto da = nlohmann::json::parse(sa), db = nlohmann::json::parse(sb);
  CHECK(da["provenance"]["jobs"] == 1);
  CHECK(db["provenance"]["jobs"] == 2);
  REQUIRE(db["cells"].size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    const auto &x = da["cells"][k], &y = db["cells"][k];
    CHECK(x["id"] == y["id"]);
    CHECK(x["identity"] == y["identity"]);
    CHECK(x["metrics"] == y["metrics"]);  // bit for bit: the JSON numbers round-trip doubles
    CHECK(x["best_epoch"] == y["best_epoch"]);
    for (const char* curve : {"train_loss", "val_loss", "val_macro_auc", "distinct_instances"})
      CHECK(x["curves"][curve] == y["curves"][curve]);
    CHECK(y["provenance"]["threads"] == 1);
  }
  // Without --threads, each fold process gets the threads the parent chose for it (the last,
  // smaller wave spread over the idle cores).
  const std::string spread = temp_path("spread.json");
  auto c = run_cli(
      "run --dataset synthetic:n=300,d=10,q=4 --folds 3 --epochs 1 --quiet --jobs 2 "
      "--out " +
      spread);
  REQUIRE(c.exit_code == 0);
  std::ifstream sc(spread);
  auto dc = nlohmann::json::parse(sc);
  const int cores = d2ace::core_count();
  d2ace::FoldProcesses p;
  const auto split = d2ace::choose_parallelism(2, 0, 3, cores);
  p.jobs = split.jobs, p.threads = split.threads, p.cores = cores, p.spread_last_wave = true;
  for (int64_t k = 0; k < 3; ++k)
    CHECK(dc["cells"][k]["provenance"]["threads"] == p.threads_of(k, 3));
  // Nothing of the fold processes is left beside the report.
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(parallel).parent_path()))
    CHECK(entry.path().string().find("parallel.json.fold") == std::string::npos);
}

TEST_CASE("cli: a disk that fills while the report is written leaves the earlier report",
          "[cli][slow]") {
  // A file-size limit far below the report's size stands in for a full disk (the write fails
  // with EFBIG instead of ENOSPC; SIGXFSZ is ignored so that write() reports it). One process,
  // then two fold processes whose parts cannot be written: exit 3, one line, the earlier report
  // unchanged (not replaced by a report of failed cells).
  for (const char* jobs : {"1", "2"}) {
    const std::string out = temp_path("full-disk.json");
    const std::string earlier = "{\"kind\": \"run\", \"earlier\": true}\n";
    std::ofstream(out) << earlier;
    const std::string err = temp_path("full-disk.err");
    const std::string cmd = "sh -c 'trap \"\" XFSZ; ulimit -f 4; exec " + std::string(D2ACE_CLI) +
                            " run" + kSmall + " --jobs " + jobs + " --out " + out +
                            "' > /dev/null 2> " + err;
    const int status = std::system(cmd.c_str());
    const std::string message = d2ace::test::slurp(err);
    INFO("--jobs " << jobs << ": " << message);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 3);
    CHECK(count_lines(message) == 1);
    CHECK_THAT(message, Catch::Contains("cannot write the report " + out) &&
                            Catch::Contains("File too large"));
    CHECK(d2ace::test::slurp(out) == earlier);
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::path(out).parent_path()))
      CHECK(entry.path().string().find(out + ".tmp") == std::string::npos);
  }
}

TEST_CASE("cli: a run killed with -9 at any point leaves no report or a complete one",
          "[cli][slow]") {
  // Two folds in two processes, killed after a growing delay: before the data is read, while the
  // folds train, around the final write. Afterwards the report is absent or whole, and a rerun
  // writes a whole one.
  const std::string out = temp_path("killed.json");
  const std::string args = std::string(D2ACE_CLI) +
                           " run --dataset synthetic:n=400,d=10,q=4 --folds 2 --epochs 30 "
                           "--jobs 2 --threads 1 --quiet --out " +
                           out;
  int absent = 0, whole = 0;
  for (int delay_ms : {20, 150, 400, 800, 1500, 2500, 4000}) {
    std::filesystem::remove(out);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", ("exec " + args + " > /dev/null 2>&1").c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    if (!std::filesystem::exists(out)) {
      ++absent;
      continue;
    }
    const auto doc = nlohmann::json::parse(d2ace::test::slurp(out));  // throws on a torn file
    CHECK(doc["cells"].size() == 2);
    ++whole;
  }
  CHECK(absent + whole == 7);
  // The fold processes died with their parent (PR_SET_PDEATHSIG): give them a moment, then no
  // fold report is still being written.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto r = run_cli(args.substr(std::string(D2ACE_CLI).size() + 1));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(d2ace::test::slurp(out))["cells"].size() == 2);
}

TEST_CASE("cli: list and inspect", "[cli][slow]") {
  auto sel = run_cli("list selectors");
  CHECK(sel.exit_code == 0);
  CHECK_THAT(sel.out, Catch::Contains("uniform"));
  auto models = run_cli("list models");
  CHECK_THAT(models.out, Catch::Contains("mlp") && Catch::Contains("hidden="));
  auto ds = run_cli("list datasets --data-dir /no/such/dir");
  CHECK_THAT(ds.out, Catch::Contains("corel16k010") && Catch::Contains("missing"));
  auto insp = run_cli("inspect synthetic:n=100,q=3 --json");
  REQUIRE(insp.exit_code == 0);
  auto j = nlohmann::json::parse(insp.out);
  CHECK(j["instances"] == 100);
  CHECK(j["labels"] == 3);
  CHECK(run_cli("inspect").exit_code == 2);
  CHECK(run_cli("run --help").exit_code == 0);
  CHECK(run_cli("--help").exit_code == 0);
}

TEST_CASE("run options: protocol presets fill what is not given", "[cli]") {
  using d2ace::parse_run_options;
  // d2ace-paper: the released loop exactly (one Adam group, the warm-up counted on the fold).
  auto paper = parse_run_options({"--dataset", "yeast", "--protocol", "d2ace-paper"}).config;
  CHECK(paper.model == "clif");
  CHECK(paper.trainer.learning_rate == 1e-4);
  CHECK(paper.trainer.single_param_group);
  CHECK(paper.lr_warmup_over_fold);
  CHECK(paper.trainer.epochs == 100);
  CHECK(paper.scaling == d2ace::Scaling::kMinMax);
  // Our behaviour stays reachable by flags.
  auto ours = parse_run_options({"--dataset", "yeast", "--protocol", "d2ace-paper", "--model",
                                 "dela", "--param-groups", "model", "--lr-warmup-basis", "pool"})
                  .config;
  CHECK(ours.model == "dela");
  CHECK_FALSE(ours.trainer.single_param_group);
  CHECK_FALSE(ours.lr_warmup_over_fold);
  // backbone-papers: the model's recipe, with per-dataset values where its code has them.
  auto mpvae = parse_run_options({"--dataset", "yeast", "--protocol", "backbone-papers", "--model",
                                  "mpvae", "--model-param", "kl_coeff=2"})
                   .config;
  CHECK(mpvae.trainer.learning_rate == 6e-4);
  CHECK(mpvae.trainer.epochs == 800);
  CHECK(mpvae.trainer.lr_decay_times == 4);
  CHECK(mpvae.trainer.threshold.text() == "tuned:macro_f1");
  CHECK(mpvae.model_params.at("rank_coeff") == "20");
  CHECK(mpvae.model_params.at("kl_coeff") == "2");  // given, so kept
  CHECK(paper.split == mpvae.split);
  CHECK(mpvae.drop_rare_labels == 20);
  auto clif =
      parse_run_options({"--dataset", "emotions", "--protocol", "backbone-papers", "--epochs", "7"})
          .config;
  CHECK(clif.model == "clif");
  CHECK(clif.trainer.epochs == 7);
  CHECK(clif.trainer.learning_rate == 1e-3);
  CHECK(clif.trainer.lr_warmup_epochs == 0);
  CHECK_THROWS_WITH(
      parse_run_options({"--dataset", "yeast", "--protocol", "backbone-papers", "--model", "mlp"}),
      Catch::Contains("has recipes for clif, dela, mpvae and paca"));
  CHECK_THROWS_WITH(parse_run_options({"--dataset", "yeast", "--param-groups", "two"}),
                    Catch::Contains("--param-groups must be model or single"));
}
