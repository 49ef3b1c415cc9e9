// core/metrics: hand-computed values, and every metric against scikit-learn on random and
// edge-case matrices (rows without labels, constant columns, ties, empty predictions).
#include "tests/catch.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/metrics.h"
#include "tests/support.h"

using d2ace::evaluate;

namespace {

// sklearn's values for (scores, targets), from scripts/sklearn_metrics.py.
nlohmann::json sklearn_reference(const torch::Tensor& S, const torch::Tensor& Y, double threshold) {
  std::string input = d2ace::test::temp_path("metrics_in.txt");
  std::string output = d2ace::test::temp_path("metrics_out.json");
  {
    std::ofstream f(input);
    f.precision(17);
    f << S.size(0) << " " << S.size(1) << " " << threshold << "\n";
    auto s = S.accessor<double, 2>();
    for (int64_t i = 0; i < S.size(0); ++i) {
      for (int64_t j = 0; j < S.size(1); ++j) f << s[i][j] << " ";
      f << "\n";
    }
    auto y = Y.accessor<double, 2>();
    for (int64_t i = 0; i < Y.size(0); ++i) {
      for (int64_t j = 0; j < Y.size(1); ++j) f << static_cast<int>(y[i][j]) << " ";
      f << "\n";
    }
  }
  std::string cmd = d2ace::test::python() + " " + D2ACE_SOURCE_DIR "/scripts/sklearn_metrics.py " +
                    input + " > " + output;
  INFO("command: " << cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(output);
  return nlohmann::json::parse(in);
}

void check_against_sklearn(const torch::Tensor& S, const torch::Tensor& Y, double threshold = 0.5) {
  d2ace::Evaluation ev = evaluate(S, Y, threshold);
  nlohmann::json ref = sklearn_reference(S, Y, threshold);
  REQUIRE(ev.values.size() == d2ace::metric_catalog().size());
  for (const auto& v : ev.values) {
    INFO("metric " << v.name);
    REQUIRE(ref.contains(v.name));
    if (ref[v.name].is_null()) {
      CHECK(std::isnan(v.value));
    } else {
      CHECK(v.value == Approx(ref[v.name].get<double>()).margin(1e-12));
    }
  }
}

torch::Tensor dbl(std::vector<std::vector<double>> rows) {
  auto t = torch::empty({static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())},
                        torch::kDouble);
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[0].size(); ++j) t[i][j] = rows[i][j];
  return t;
}

}  // namespace

TEST_CASE("metrics: hand-computed example", "[metrics]") {
  // 3 instances, 3 labels.
  torch::Tensor S = dbl({{0.9, 0.2, 0.6}, {0.1, 0.8, 0.4}, {0.3, 0.3, 0.7}});
  torch::Tensor Y = dbl({{1, 0, 0}, {0, 1, 1}, {0, 0, 1}});
  auto ev = evaluate(S, Y);
  // Predictions: {1,0,1}, {0,1,0}, {0,0,1}: errors (0,2) FP and (1,2) FN -> 2 of 9.
  CHECK(ev.get("hamming_loss") == Approx(2.0 / 9));
  CHECK(ev.get("subset_accuracy") == Approx(1.0 / 3));
  // TP = 3, FP = 1, FN = 1.
  CHECK(ev.get("micro_f1") == Approx(6.0 / 8));
  // Label 0: F1 1; label 1: 1; label 2: TP 1 FP 1 FN 1 -> 0.5.
  CHECK(ev.get("macro_f1") == Approx(2.5 / 3));
  // Row 1: labels {1,2} scores 0.8, 0.4 vs irrelevant 0.1 -> no wrong pair.
  // Row 0: relevant 0.9 above all. Row 2: relevant 0.7 above 0.3, 0.3 -> ranking loss 0.
  CHECK(ev.get("ranking_loss") == Approx(0.0));
  CHECK(ev.get("one_error") == Approx(0.0));
  // Coverage: ranks of the lowest relevant label: 1, 2, 1 -> mean 4/3 (1-based).
  CHECK(ev.get("coverage") == Approx(4.0 / 3));
  // Labels 0 and 1 rank perfectly; label 2: positives 0.4, 0.7 vs negative 0.6 -> 1/2.
  CHECK(ev.get("macro_auc") == Approx(2.5 / 3));
}

TEST_CASE("metrics: ties count 1/2 in AUC and as errors in ranking loss", "[metrics]") {
  torch::Tensor S = dbl({{0.5, 0.5}, {0.5, 0.5}});
  torch::Tensor Y = dbl({{1, 0}, {0, 1}});
  auto ev = evaluate(S, Y);
  CHECK(ev.get("macro_auc") == Approx(0.5));
  CHECK(ev.get("ranking_loss") == Approx(1.0));
  CHECK(ev.get("one_error") == Approx(0.5));  // first maximal label: 0 -> right in row 0 only
}

TEST_CASE("metrics: macro AUC skips labels with one class and counts them", "[metrics]") {
  torch::Tensor S = dbl({{0.9, 0.1}, {0.2, 0.3}, {0.8, 0.4}});
  torch::Tensor Y = dbl({{1, 0}, {0, 0}, {1, 0}});
  auto ev = evaluate(S, Y);
  CHECK(ev.labels_with_both_classes == 1);
  CHECK(ev.get("macro_auc") == Approx(1.0));
  CHECK(ev.labels_without_tp_fp_fn == 1);  // label 1: no positives, no predictions
  CHECK(d2ace::macro_auc(S, Y) == Approx(1.0));
}

TEST_CASE("metrics: every metric has a direction and a convention", "[metrics]") {
  for (const auto& info : d2ace::metric_catalog()) {
    CHECK_FALSE(info.convention.empty());
    CHECK(&d2ace::metric_info(info.name) == &info);
  }
  CHECK(d2ace::metric_info("hamming_loss").direction == d2ace::Direction::kLowerIsBetter);
  CHECK(d2ace::metric_info("micro_f1").direction == d2ace::Direction::kHigherIsBetter);
}

TEST_CASE("metrics: agree with scikit-learn", "[metrics][slow]") {
  torch::manual_seed(3);
  SECTION("random matrices") {
    for (int64_t q : {2, 5, 17}) {
      torch::Tensor S = torch::rand({60, q}, torch::kDouble);
      torch::Tensor Y = (torch::rand({60, q}, torch::kDouble) < 0.3).to(torch::kDouble);
      check_against_sklearn(S, Y);
    }
  }
  SECTION("ties, empty rows, full rows, constant columns") {
    torch::Tensor S = torch::round(torch::rand({40, 6}, torch::kDouble) * 4) / 4;  // many ties
    torch::Tensor Y = (torch::rand({40, 6}, torch::kDouble) < 0.4).to(torch::kDouble);
    Y.index_put_({torch::indexing::Slice(0, 5)}, 0.0);  // rows without labels
    Y.index_put_({torch::indexing::Slice(5, 8)}, 1.0);  // rows with every label
    Y.index_put_({torch::indexing::Slice(), 2}, 0.0);   // a label never positive
    Y.index_put_({torch::indexing::Slice(), 4}, 1.0);   // a label always positive
    check_against_sklearn(S, Y);
  }
  SECTION("no prediction crosses the threshold") {
    torch::Tensor S = torch::rand({30, 4}, torch::kDouble) * 0.4;
    torch::Tensor Y = (torch::rand({30, 4}, torch::kDouble) < 0.3).to(torch::kDouble);
    check_against_sklearn(S, Y);
  }
  SECTION("another threshold") {
    torch::Tensor S = torch::rand({30, 4}, torch::kDouble);
    torch::Tensor Y = (torch::rand({30, 4}, torch::kDouble) < 0.5).to(torch::kDouble);
    check_against_sklearn(S, Y, 0.3);
  }
}
