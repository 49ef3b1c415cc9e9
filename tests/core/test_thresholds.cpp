// core/thresholds: parsing the rule, choosing thresholds on validation scores (global for a named
// F1, per label, ties toward 0.5), and the metrics at per-label thresholds.
#include "tests/catch.h"

#include "core/error.h"
#include "core/metrics.h"
#include "core/thresholds.h"

using namespace d2ace;

TEST_CASE("thresholds: the rule's text reads back", "[thresholds]") {
  CHECK(parse_threshold("0.5").text() == "0.5");
  CHECK(parse_threshold("0.4").value == 0.4);
  CHECK(parse_threshold("tuned").text() == "tuned:macro_f1");
  CHECK(parse_threshold("tuned:micro_f1").text() == "tuned:micro_f1");
  CHECK(parse_threshold("tuned-per-label").kind == ThresholdRule::Kind::kTunedPerLabel);
  for (const char* bad : {"1", "0", "-0.2", "half", "0.5x", "tuned:hamming_loss", ""})
    CHECK_THROWS_AS(parse_threshold(bad), InputError);
}

TEST_CASE("thresholds: chosen on validation to maximise the named F1", "[thresholds]") {
  // Label 0 separates at any threshold in (0.3, 0.6]; label 1 in (0.1, 0.2]; label 2 has no
  // positive, so its F1 is 0 everywhere: it keeps 0.5.
  const torch::Tensor scores =
      torch::tensor({0.6f, 0.2f, 0.9f, 0.7f, 0.15f, 0.1f, 0.3f, 0.1f, 0.2f, 0.2f, 0.05f, 0.3f})
          .view({4, 3});
  const torch::Tensor targets =
      torch::tensor({1.f, 1.f, 0.f, 1.f, 1.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f}).view({4, 3});
  const auto per_label = choose_thresholds(parse_threshold("tuned-per-label"), scores, targets);
  REQUIRE(per_label.size() == 3);
  CHECK(per_label[0] == Approx(0.5));   // nearest 0.5 among the best (0.31 ... 0.60)
  CHECK(per_label[1] == Approx(0.15));  // the best (0.11 ... 0.15), nearest 0.5
  CHECK(per_label[2] == Approx(0.5));   // a tie everywhere
  const Evaluation at = evaluate(scores, targets, per_label);
  CHECK(at.get("hamming_loss") == Approx(1.0 / 12));  // label 2's 0.9 is the one error
  // One global threshold for micro-F1: 0.11 ... 0.15 catch every positive (TP 4, FP 5, F1 8/13);
  // 0.31 ... 0.60 lose label 1 (TP 2, FP 1, FN 2, F1 4/7).
  const auto global = choose_thresholds(parse_threshold("tuned:micro_f1"), scores, targets);
  REQUIRE(global.size() == 1);
  CHECK(global[0] == Approx(0.15));
  CHECK(choose_thresholds(parse_threshold("0.3"), scores, targets) == std::vector<double>{0.3});
  // One threshold for all equals a q-vector of it, bit for bit.
  const Evaluation one = evaluate(scores, targets, 0.3);
  const Evaluation many = evaluate(scores, targets, std::vector<double>{0.3, 0.3, 0.3});
  for (size_t k = 0; k < one.values.size(); ++k) CHECK(one.values[k].value == many.values[k].value);
  CHECK_THROWS(evaluate(scores, targets, std::vector<double>{0.3, 0.3}));
}
