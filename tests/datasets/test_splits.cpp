// datasets/splits: iterative stratification, the three parts, scaling, pruning.
#include "tests/catch.h"

#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "core/error.h"
#include "datasets/splits.h"
#include "datasets/synthetic.h"
#include "tests/support.h"

using namespace d2ace;

namespace {

Dataset synthetic(int64_t n, int64_t q, uint64_t seed = 1) {
  SyntheticSpec s;
  s.n = n;
  s.q = q;
  s.seed = seed;
  s.cardinality = 2.5;
  return make_synthetic(s);
}

// Mean over labels of the std of per-fold positive counts (lower = better stratified).
double label_spread(const torch::Tensor& Y, const std::vector<int64_t>& fold, int64_t k) {
  double total = 0;
  for (int64_t j = 0; j < Y.size(1); ++j) {
    std::vector<double> count(k, 0.0);
    for (int64_t i = 0; i < Y.size(0); ++i) count[fold[i]] += Y[i][j].item<float>();
    double mean = std::accumulate(count.begin(), count.end(), 0.0) / k, ss = 0;
    for (double c : count) ss += (c - mean) * (c - mean);
    total += std::sqrt(ss / k);
  }
  return total / Y.size(1);
}

}  // namespace

TEST_CASE("splits: iterative stratification partitions and balances", "[splits]") {
  Dataset ds = synthetic(600, 12);
  auto fold = iterative_stratification(ds.Y, 5, 42);
  REQUIRE(fold.size() == 600);
  std::vector<int64_t> size(5, 0);
  for (int64_t f : fold) {
    REQUIRE(f >= 0);
    REQUIRE(f < 5);
    ++size[f];
  }
  // Label balance comes first; sizes stay close to n/k.
  for (int64_t s : size) CHECK(std::abs(s - 120) <= 8);
  // Better balanced per label than a seeded random assignment of the same fold sizes.
  std::vector<int64_t> random_fold(600);
  for (int64_t i = 0; i < 600; ++i) random_fold[i] = i % 5;
  std::shuffle(random_fold.begin(), random_fold.end(), std::mt19937_64(42));
  CHECK(label_spread(ds.Y, fold, 5) < 0.5 * label_spread(ds.Y, random_fold, 5));
  // Seeded: same seed, same folds; another seed, other folds.
  CHECK(iterative_stratification(ds.Y, 5, 42) == fold);
  CHECK(iterative_stratification(ds.Y, 5, 43) != fold);
  CHECK_THROWS_AS(iterative_stratification(ds.Y, 1, 42), InputError);
}

TEST_CASE("splits: k-fold parts are disjoint, cover the data, hold out validation", "[splits]") {
  Dataset ds = synthetic(300, 6);
  SplitSpec spec;
  spec.folds = 3;
  spec.seed = 7;
  spec.validation_seed = 8;
  auto splits = make_splits(ds, spec);
  REQUIRE(splits.size() == 3);
  std::vector<int> tested(300, 0);
  for (const Split& s : splits) {
    std::set<int64_t> seen;
    for (const auto* part : {&s.train, &s.validation, &s.test})
      for (int64_t i = 0; i < part->size(0); ++i)
        CHECK(seen.insert((*part)[i].item<int64_t>()).second);
    CHECK(seen.size() == 300);
    for (int64_t i = 0; i < s.test.size(0); ++i) ++tested[s.test[i].item<int64_t>()];
    const double train_part = static_cast<double>(s.train.size(0) + s.validation.size(0));
    CHECK(s.validation.size(0) == Approx(0.1 * train_part).margin(1));
  }
  for (int t : tested) CHECK(t == 1);
  auto again = make_splits(ds, spec);
  CHECK(again[1].validation.equal(splits[1].validation));
}

TEST_CASE("splits: the official split and its absence", "[splits]") {
  Dataset ds = synthetic(100, 4);
  SplitSpec spec;
  spec.mode = SplitMode::kOfficial;
  CHECK_THROWS_WITH(make_splits(ds, spec), Catch::Contains("no official train/test split"));
  ds.official_train_rows = 70;
  auto splits = make_splits(ds, spec);
  REQUIRE(splits.size() == 1);
  CHECK(splits[0].test.equal(torch::arange(70, 100)));
  CHECK(splits[0].train.size(0) + splits[0].validation.size(0) == 70);
}

TEST_CASE("splits: scalers fitted on training rows", "[splits]") {
  torch::Tensor X =
      torch::tensor({1.f, 5.f, 2.f, 5.f, 3.f, 5.f}).view({3, 2});  // column 1 constant
  Scaler mm = fit_scaler(Scaling::kMinMax, X);
  torch::Tensor t = mm.apply(X);
  CHECK(t.select(1, 0).equal(torch::tensor({0.f, 0.5f, 1.f})));
  CHECK(t.select(1, 1).equal(torch::zeros({3})));
  Scaler st = fit_scaler(Scaling::kStandard, X);
  torch::Tensor u = st.apply(X);
  CHECK(u.select(1, 0).mean().item<float>() == Approx(0).margin(1e-6));
  CHECK(u.select(1, 0).std(false).item<float>() == Approx(1));
  CHECK(fit_scaler(Scaling::kNone, X).apply(X).equal(X));
  CHECK_THROWS_AS(parse_scaling("zscore"), InputError);
}

TEST_CASE("splits: a column that would scale to non-finite values is found", "[splits]") {
  // Column 0 is ordinary; column 1 holds finite values whose sum overflows single precision.
  torch::Tensor X = torch::tensor({1.f, 3e38f, 2.f, 3e38f, 4.f, -3e38f}).view({3, 2});
  const torch::Tensor lo = std::get<0>(X.min(0)), hi = std::get<0>(X.max(0));
  CHECK(first_unscalable_column(fit_scaler(Scaling::kStandard, X), lo, hi) == 1);
  CHECK(first_unscalable_column(fit_scaler(Scaling::kMinMax, X), lo, hi) == 1);  // range is inf
  CHECK(first_unscalable_column(fit_scaler(Scaling::kNone, X), lo, hi) == -1);
  const torch::Tensor ordinary = X.select(1, 0).unsqueeze(1).contiguous();
  CHECK(first_unscalable_column(fit_scaler(Scaling::kStandard, ordinary),
                                std::get<0>(ordinary.min(0)), std::get<0>(ordinary.max(0))) == -1);
}

TEST_CASE("splits: pruning rare labels and unlabelled instances", "[splits]") {
  Dataset ds;
  ds.name = "p";
  ds.X = torch::arange(5, torch::kFloat).view({5, 1});
  ds.Y = torch::tensor({1.f, 0.f, 1.f, 1.f, 0.f, 1.f, 1.f, 0.f, 0.f, 0.f}).view({5, 2});
  ds.label_names = {"a", "b"};
  ds.official_train_rows = 3;
  // Rows: (1,0) (1,1) (0,1) (1,0) (0,0): a has 3 positives, b has 2.
  Dataset pruned = prune_rare_labels(ds, 2);
  CHECK(pruned.label_names == std::vector<std::string>{"a"});
  Dataset kept = drop_unlabelled_instances(pruned);  // rows 2 and 4 lose their last label
  CHECK(kept.rows() == 3);
  CHECK(kept.official_train_rows == 2);
  CHECK_THROWS_AS(prune_rare_labels(ds, 10), InputError);
}

namespace {

std::vector<int64_t> rows_of(const torch::Tensor& t) {
  return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
}

SplitSpec file_spec(const SplitFile& file, double validation = 0.2) {
  SplitSpec spec;
  spec.mode = SplitMode::kFile;
  spec.file = &file;
  spec.validation_fraction = validation;
  spec.validation_seed = 7;
  return spec;
}

}  // namespace

TEST_CASE("splits: folds from a file, with and without their validation part", "[splits]") {
  Dataset d = synthetic(20, 3);
  const SplitFile file = read_split_file(test::write_temp(
      "folds.json",
      R"({"folds": [{"test": [3, 1, 2], "validation": [19, 0]}, {"test": [10, 11, 12, 13]}]})"));
  CHECK(file.folds.size() == 2);
  CHECK(file.digest.size() == 16);
  std::vector<Split> s = make_splits(d, file_spec(file));
  REQUIRE(s.size() == 2);
  CHECK(rows_of(s[0].test) == std::vector<int64_t>{1, 2, 3});
  CHECK(rows_of(s[0].validation) == std::vector<int64_t>{0, 19});
  CHECK(s[0].train.size(0) == 15);
  // Without a validation part: the usual hold-out (20 %) from the 16 other rows.
  CHECK(rows_of(s[1].test) == std::vector<int64_t>{10, 11, 12, 13});
  CHECK(s[1].validation.size(0) == 16 - 12);
  std::set<int64_t> all;
  for (const auto& part : {s[1].train, s[1].validation, s[1].test})
    for (int64_t r : rows_of(part)) CHECK(all.insert(r).second);
  CHECK(all.size() == 20);

  // Rows dropped after reading (no labels) leave every part; the others are renumbered.
  SplitSpec dropped = file_spec(file);
  dropped.rows_read = 21;  // row 1 as read was dropped: current row i was row i + (i >= 1)
  for (int64_t i = 0; i < 20; ++i) dropped.source_rows.push_back(i + (i >= 1 ? 1 : 0));
  std::vector<Split> t = make_splits(d, dropped);
  CHECK(rows_of(t[0].test) == std::vector<int64_t>{1, 2});  // rows 2 and 3 as read
  CHECK(rows_of(t[0].validation) == std::vector<int64_t>{0, 18});
}

TEST_CASE("splits: bad split files are refused, naming the file and the fold",
          "[splits][bad-input]") {
  Dataset d = synthetic(20, 3);
  auto refused = [&](const std::string& text, const std::string& what) {
    INFO(text);
    const std::string path = test::write_temp("bad-folds.json", text);
    try {
      const SplitFile file = read_split_file(path);
      make_splits(d, file_spec(file));
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(what));
      CHECK_THAT(e.what(), Catch::StartsWith(path));
    }
  };
  refused("{\"folds\": [", "not valid JSON");
  refused("{\"splits\": []}", "no non-empty \"folds\" array");
  refused("{\"folds\": []}", "no non-empty \"folds\" array");
  refused(R"({"folds": [{"validation": [1]}]})", "fold 0 has no \"test\" array");
  refused(R"({"folds": [{"test": []}]})", "fold 0: the test part is empty");
  refused(R"({"folds": [{"test": [1, "2"]}]})", "fold 0 test holds \"2\", not a row index");
  refused(R"({"folds": [{"test": [1, -2]}]})", "not a row index");
  refused(R"({"folds": [{"test": [1.5]}]})", "not a row index");
  refused(R"({"folds": [{"test": [1]}, {"test": [20]}]})",
          "fold 1: test row 20 is out of range (synthetic has 20 rows, 0..19)");
  refused(R"({"folds": [{"test": [1, 2, 1]}]})", "fold 0: row 1 is listed twice in test");
  refused(R"({"folds": [{"test": [1, 2], "validation": [3, 2]}]})",
          "fold 0: row 2 is listed in both test and validation");
  refused(R"({"folds": [{"test": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18],
                         "validation": [19]}]})",
          "too small for this split");
  CHECK_THROWS_WITH(read_split_file("/no/such/folds.json"), Catch::Contains("cannot read"));
}
