// datasets/splits: iterative stratification, the three parts, scaling, pruning.
#include "tests/catch.h"

#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "core/error.h"
#include "datasets/splits.h"
#include "datasets/synthetic.h"

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
