// core selection machinery: distributions, schedules, batch drawing, training dynamics, kNN.
#include "tests/catch.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>
#include <set>

#include "core/neighbours.h"
#include "core/sampling.h"
#include "core/selection_pressure.h"
#include "core/training_dynamics.h"

using namespace d2ace;

namespace {

void check_valid(const torch::Tensor& p, int64_t n) {
  REQUIRE(p.size(0) == n);
  CHECK(p.scalar_type() == torch::kDouble);
  CHECK(torch::isfinite(p).all().item<bool>());
  CHECK((p > 0).all().item<bool>());
  CHECK(p.sum().item<double>() == Approx(1.0).margin(1e-12));
}

torch::Tensor dvec(std::vector<double> v) { return torch::tensor(v, torch::kDouble); }

}  // namespace

TEST_CASE("selection: distributions on hand-computed examples", "[selection]") {
  // Quantised: ŝ = (0, .5, 1), k = ceil((1 - ŝ) 3) = (3, 2, 1), p ∝ 8^(-k/3) = (1/8, 1/4, 1/2).
  torch::Tensor q = quantised_exponential_distribution(dvec({0, 0.5, 1}), 8);
  CHECK(q[0].item<double>() == Approx(1.0 / 7));
  CHECK(q[1].item<double>() == Approx(2.0 / 7));
  CHECK(q[2].item<double>() == Approx(4.0 / 7));
  // Rank: scores (3, 1, 2) -> ranks (1, 3, 2).
  torch::Tensor r = rank_exponential_distribution(dvec({3, 1, 2}), 8);
  CHECK(r[0].item<double>() == Approx(4.0 / 7));
  CHECK(r[1].item<double>() == Approx(1.0 / 7));
  CHECK(r[2].item<double>() == Approx(2.0 / 7));
  // The largest/smallest ratio is the pressure (up to the (N-1)/N exponent).
  torch::Tensor big = quantised_exponential_distribution(torch::rand({1000}, torch::kDouble), 8);
  CHECK((big.max() / big.min()).item<double>() ==
        Approx(std::pow(8.0, 999.0 / 1000)).epsilon(1e-9));
  CHECK(proportional_distribution(dvec({1, 3})).allclose(dvec({0.25, 0.75}), 0, 1e-11));
}

TEST_CASE("selection: distributions stay valid on degenerate scores", "[selection]") {
  const double nan = std::nan(""), inf = INFINITY;
  const std::vector<torch::Tensor> cases = {dvec({2, 2, 2, 2}),         dvec({nan, 1, 2, 3}),
                                            dvec({nan, nan, nan, nan}), dvec({inf, 0, -inf, 1}),
                                            dvec({0, 0, 0, 1e-300}),    dvec({5})};
  for (const auto& s : cases) {
    INFO("scores " << s);
    for (double pressure : {1.0, 8.0, 1e8}) {
      check_valid(quantised_exponential_distribution(s, pressure), s.size(0));
      check_valid(rank_exponential_distribution(s, pressure), s.size(0));
    }
    check_valid(proportional_distribution(s), s.size(0));
  }
  // All equal, or pressure 1: uniform.
  CHECK(
      quantised_exponential_distribution(dvec({2, 2, 2, 2}), 8).allclose(uniform_distribution(4)));
  CHECK(rank_exponential_distribution(dvec({1, 2, 3, 4}), 1).allclose(uniform_distribution(4)));
  CHECK(proportional_distribution(dvec({0, 0})).allclose(uniform_distribution(2)));
  // NaN counts as the least important score.
  torch::Tensor p = quantised_exponential_distribution(dvec({nan, 1, 2}), 8);
  CHECK(p[0].item<double>() == Approx(p[1].item<double>()));
  CHECK(p[2].item<double>() > p[1].item<double>());
  CHECK(normalised_entropy(uniform_distribution(10)) == Approx(1.0));
  CHECK(normalised_entropy(quantised_exponential_distribution(dvec({0, 1, 2, 3}), 100)) < 1.0);
}

TEST_CASE("selection: fused distributions agree with their tensor-operation references",
          "[selection]") {
  // Within double rounding: the kernels take exp, log and the sums in another order.
  torch::manual_seed(9);
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  std::vector<torch::Tensor> scores = {
      torch::rand({1000}),                                  // float scores
      torch::rand({333}, torch::kDouble).mul_(7).round_(),  // many ties
      torch::tensor({1.0, nan, inf, -inf, 2.0, 2.0, 0.5}),  // sanitised
      torch::full({5}, nan),                                // nothing finite: uniform
      torch::full({4}, 3.0),                                // all equal: uniform
      torch::tensor({0.25f})};                              // a single instance
  auto agree = [](const torch::Tensor& a, const torch::Tensor& b) {
    return a.scalar_type() == torch::kDouble && a.sizes() == b.sizes() && a.allclose(b, 1e-12, 0);
  };
  for (size_t c = 0; c < scores.size(); ++c) {
    const torch::Tensor& s = scores[c];
    INFO("scores " << c);
    for (double pressure : {1.0, 8.0, 1e4}) {
      CHECK(agree(quantised_exponential_distribution(s, pressure),
                  quantised_exponential_distribution_reference(s, pressure)));
      CHECK(agree(rank_exponential_distribution(s, pressure),
                  rank_exponential_distribution_reference(s, pressure)));
    }
    CHECK(agree(proportional_distribution(s), proportional_distribution_reference(s)));
    const torch::Tensor p = quantised_exponential_distribution(s, 8.0);
    CHECK(normalised_entropy(p) == Approx(normalised_entropy_reference(p)).epsilon(1e-12));
  }
}

TEST_CASE("selection: pressure schedules at known epochs", "[selection]") {
  auto d = SelectionPressure::decaying(8, 10, 100);
  CHECK(d.at(0) == 8);
  CHECK(d.at(9) == 8);
  CHECK(d.at(10) == Approx(8));
  CHECK(d.at(40) == Approx(4));
  CHECK(d.at(70) == Approx(2));
  CHECK(d.at(99) == Approx(std::pow(8.0, 1.0 / 90)));
  CHECK(d.at(100) == Approx(1));
  CHECK(d.at(150) == 1);  // clamped at 1
  auto w = SelectionPressure::whole_run(100, 1, 100);
  CHECK(w.at(0) == Approx(100));
  CHECK(w.at(50) == Approx(10));
  CHECK(w.at(99) == Approx(std::pow(100.0, 1.0 / 100)));
  CHECK(w.at(150) == Approx(1));  // held at s_end past the run (never below 1)
  CHECK(SelectionPressure::constant(3).at(42) == Approx(3));
}

TEST_CASE("selection: independent batches", "[selection]") {
  at::Generator g1 = at::detail::createCPUGenerator(7), g2 = at::detail::createCPUGenerator(7);
  torch::Tensor p = quantised_exponential_distribution(torch::rand({1000}, torch::kDouble), 8);
  EpochPlan a = draw_independent_batches(p, 128, g1), b = draw_independent_batches(p, 128, g2);
  REQUIRE(a.batches.size() == 8);
  int64_t total = 0;
  for (size_t k = 0; k < a.batches.size(); ++k) {
    const torch::Tensor& batch = a.batches[k];
    total += batch.size(0);
    CHECK(std::get<0>(at::_unique(batch)).size(0) == batch.size(0));  // no duplicate in a batch
    CHECK(batch.equal(b.batches[k]));                                 // same seed, same batches
    CHECK(batch.min().item<int64_t>() >= 0);
    CHECK(batch.max().item<int64_t>() < 1000);
  }
  CHECK(total == 1000);
  CHECK(a.batches.back().size(0) == 1000 - 7 * 128);
  at::Generator g3 = at::detail::createCPUGenerator(8);
  CHECK_FALSE(draw_independent_batches(p, 128, g3).batches[0].equal(a.batches[0]));

  SECTION("batch size 1: i.i.d. draws follow p") {
    torch::Tensor skew = proportional_distribution(dvec({1, 2, 3, 4}));
    torch::Tensor counts = torch::zeros({4}, torch::kDouble);
    for (int e = 0; e < 3000; ++e)
      for (const auto& batch : draw_independent_batches(skew, 1, g1).batches)
        counts[batch[0].item<int64_t>()] += 1;
    CHECK((counts / counts.sum()).allclose(skew, 0, 0.02));
  }
  SECTION("extreme concentration still gives full, distinct batches") {
    torch::Tensor extreme = rank_exponential_distribution(torch::arange(20, torch::kDouble), 1e300);
    EpochPlan plan = draw_independent_batches(extreme, 10, g1);
    for (const auto& batch : plan.batches) {
      CHECK(batch.size(0) == 10);
      CHECK(std::get<0>(at::_unique(batch)).size(0) == 10);
    }
  }
}

TEST_CASE("selection: the fused batch drawing gives the reference's plan, index for index",
          "[selection]") {
  torch::manual_seed(4);
  struct Case {
    torch::Tensor p;
    int64_t batch;
  };
  const std::vector<Case> cases = {
      {uniform_distribution(1000), 128},
      {quantised_exponential_distribution(torch::rand({777}, torch::kDouble), 8.0), 100},
      {rank_exponential_distribution(torch::rand({300}, torch::kDouble), 1e4), 64},   // extended
      {rank_exponential_distribution(torch::arange(20, torch::kDouble), 1e300), 10},  // finished
      {proportional_distribution(torch::rand({50}, torch::kDouble)), 64},  // one batch, b > N
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    at::Generator g1 = at::detail::createCPUGenerator(21), g2 = at::detail::createCPUGenerator(21);
    for (int epoch = 0; epoch < 3; ++epoch) {  // the generators stay in step across epochs
      EpochPlan fused = draw_independent_batches(cases[c].p, cases[c].batch, g1);
      EpochPlan reference = draw_independent_batches_reference(cases[c].p, cases[c].batch, g2);
      INFO("case " << c << " epoch " << epoch);
      REQUIRE(fused.batches.size() == reference.batches.size());
      for (size_t k = 0; k < fused.batches.size(); ++k)
        CHECK(fused.batches[k].equal(reference.batches[k]));
    }
  }
}

TEST_CASE("selection: batched dynamics equal the same visits one by one", "[selection]") {
  const int64_t n = 12, q = 3;
  DynamicsOptions o;
  o.window = 3;
  o.track_loss = true;
  o.track_flips = true;
  TrainingDynamics batched(n, q, o, torch::kCPU), single(n, q, o, torch::kCPU);
  DynamicsOptions bits = o;
  bits.store_bits = true;
  bits.track_flips = false;
  TrainingDynamics bit_window(n, q, bits, torch::kCPU);
  std::vector<std::vector<torch::Tensor>> history(n);  // every prediction, in order
  torch::manual_seed(11);
  for (int step = 0; step < 40; ++step) {
    torch::Tensor idx = torch::randperm(n).slice(0, 0, 5);
    torch::Tensor p = torch::rand({5, q});
    p[0][0] = step % 2;  // exact 0 and 1 appear
    torch::Tensor l = torch::rand({5, q});
    batched.update(idx, p, l);
    bit_window.update(idx, p, l);
    for (int64_t k = 0; k < 5; ++k) {
      single.update(idx.slice(0, k, k + 1), p.slice(0, k, k + 1), l.slice(0, k, k + 1));
      history[idx[k].item<int64_t>()].push_back(p[k]);
    }
  }
  CHECK(batched.visits().equal(single.visits()));
  CHECK(batched.window().equal(single.window()));
  CHECK(batched.last_loss().equal(single.last_loss()));
  CHECK(batched.flip_ema().allclose(single.flip_ema()));
  CHECK(batched.fluctuation().allclose(single.fluctuation()));
  // Against the definitions, from the full history of each instance.
  torch::Tensor fluct = batched.fluctuation(), latest = batched.latest(),
                share = bit_window.window_mean();
  for (int64_t i = 0; i < n; ++i) {
    const auto& h = history[i];
    const size_t m = std::min<size_t>(h.size(), 3);
    torch::Tensor expected_fluct = torch::zeros({q}), expected_share = torch::zeros({q}),
                  flip = torch::zeros({q});
    for (size_t t = h.size() - m; t < h.size(); ++t) {
      expected_share += (h[t] >= 0.5).to(torch::kFloat) / static_cast<double>(m);
      if (t > h.size() - m) expected_fluct += (h[t] - h[t - 1]).abs() / static_cast<double>(m - 1);
    }
    for (size_t t = 0; t < h.size(); ++t)
      flip = 0.7 * (t ? (h[t] - h[t - 1]).abs() : torch::zeros({q})) + 0.3 * flip;
    INFO("instance " << i << " with " << h.size() << " visits");
    CHECK(fluct[i].allclose(expected_fluct, 1e-5, 1e-6));
    CHECK(share[i].allclose(expected_share));
    CHECK(batched.flip_ema()[i].allclose(flip, 1e-5, 1e-6));
    if (!h.empty()) CHECK(latest[i].equal(h.back()));
  }
}

TEST_CASE("selection: the fused dynamics update equals its tensor-operation reference",
          "[selection]") {
  // Bit for bit: the kernel does the reference's arithmetic in the same order (FMA included).
  struct Case {
    int64_t window;
    bool bits, loss, flips;
  };
  // (Under ATEN_CPU_CAPABILITY=default ATen rounds a*b + c twice, and the flip EMA differs in the
  // last bit: the kernel follows the vectorised kernels every x86-64 machine here runs.)
  for (const Case c :
       {Case{5, false, true, true}, Case{1, false, true, true}, Case{2, false, false, true},
        Case{3, false, false, false}, Case{4, true, false, false}, Case{0, false, true, false}}) {
    DynamicsOptions o;
    o.window = c.window;
    o.store_bits = c.bits;
    o.track_loss = c.loss;
    o.track_flips = c.flips;
    o.flip_alpha = 0.7;
    o.initial_loss = 3.0f;
    const int64_t n = 50, q = 7;
    TrainingDynamics fused(n, q, o, torch::kCPU), reference(n, q, o, torch::kCPU);
    torch::manual_seed(c.window + 10 * c.bits);
    for (int step = 0; step < 60; ++step) {
      torch::Tensor idx = torch::randperm(n).slice(0, 0, 1 + step % 17);
      torch::Tensor p = torch::rand({idx.size(0), q});
      p.select(1, 0).fill_(step % 3 == 0 ? 0.5f : 1.0f);  // exactly at the bit threshold
      torch::Tensor l = torch::rand({idx.size(0), q}).mul_(5);
      fused.update(idx, p, l);
      reference.update_reference(idx, p, l);
    }
    INFO("window " << c.window << " bits " << c.bits);
    CHECK(fused.visits().equal(reference.visits()));
    if (c.window > 0) CHECK(fused.window().equal(reference.window()));
    if (c.loss) CHECK(fused.last_loss().equal(reference.last_loss()));
    if (c.flips) CHECK(fused.flip_ema().equal(reference.flip_ema()));
    if (c.window > 0 && !c.bits) CHECK(fused.fluctuation().equal(reference.fluctuation()));
    if (c.bits) CHECK(fused.window_sum().equal(reference.window_sum()));
  }
}

TEST_CASE("selection: the fused windowed uncertainty agrees with its reference", "[selection]") {
  // Within float rounding, on entries at 0, 1 and in between, with instances visited 0, 1, 2 and
  // more than T times. Not bit for bit: ATen's addcmul rounds p ln p + (1 - p) ln(1 - p) twice in
  // its vector loop and once (an FMA) in its scalar tail, which depends on the tensor's length.
  DynamicsOptions o;
  o.window = 4;
  const int64_t n = 64, q = 9;
  TrainingDynamics d(n, q, o, torch::kCPU);
  torch::manual_seed(12);
  for (int step = 0; step < 30; ++step) {
    torch::Tensor idx = torch::randperm(n - 8).slice(0, 0, 2 * step % 40 + 1);  // 8 unvisited
    torch::Tensor p = torch::rand({idx.size(0), q});
    p.select(1, 0).fill_(static_cast<float>(step % 2));
    d.update(idx, p, {});
  }
  REQUIRE(d.visits().eq(0).any().item<bool>());
  for (double lambda : {0.5, 0.2}) {
    torch::Tensor fused = windowed_uncertainty(d, lambda);
    torch::Tensor reference = windowed_uncertainty_reference(d, lambda);
    CHECK(fused.allclose(reference, 1e-6, 1e-7));
  }
}

TEST_CASE("selection: binary entropy and windowed uncertainty", "[selection]") {
  torch::Tensor h = binary_entropy_bits(torch::tensor({0.f, 1.f, 0.5f, 0.25f}));
  CHECK(h[0].item<float>() == 0);
  CHECK(h[1].item<float>() == 0);
  CHECK(h[2].item<float>() == Approx(1));
  CHECK(h[3].item<float>() == Approx(0.8112781));
  DynamicsOptions o;
  o.window = 5;
  TrainingDynamics d(1, 1, o, torch::kCPU);
  torch::Tensor i = torch::zeros({1}, torch::kLong);
  d.update(i, torch::full({1, 1}, 0.5f), {});
  CHECK(windowed_uncertainty(d)[0][0].item<float>() ==
        Approx(0.5));  // first visit: fluctuation 0, not NaN
  d.update(i, torch::full({1, 1}, 1.0f), {});
  CHECK(windowed_uncertainty(d)[0][0].item<float>() == Approx(0.25));  // ½ |1 - .5| + ½ H(1) = .25
}

namespace {

// The k nearest of every row by brute force: distance, then the instance itself first among its
// ties (with self), then index; checked against `got`.
void check_against_brute_force(const torch::Tensor& X, const torch::Tensor& got, bool self) {
  const int64_t n = X.size(0);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<std::pair<float, int64_t>> all;
    for (int64_t j = 0; j < n; ++j)
      if (self || j != i) all.push_back({(X[i] - X[j]).pow(2).sum().item<float>(), j});
    std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      if (a.second == i || b.second == i) return a.second == i;
      return a.second < b.second;
    });
    for (int64_t c = 0; c < got.size(1); ++c) {
      INFO("row " << i << " column " << c << " self " << self);
      CHECK(got[i][c].item<int64_t>() == all[c].second);
    }
  }
}

}  // namespace

TEST_CASE("selection: exact kNN equals brute force, ties by index", "[selection]") {
  torch::manual_seed(5);
  // Small integer features: many exact ties (and duplicate points).
  torch::Tensor X = torch::randint(0, 3, {60, 2}).to(torch::kFloat);
  for (bool self : {true, false}) {
    const int64_t k = 4;
    torch::Tensor got = nearest_neighbours(X, k, self, /*block_bytes=*/8 * 60 * 7);  // 7-row blocks
    REQUIRE(got.sizes() == torch::IntArrayRef({60, k + (self ? 1 : 0)}));
    check_against_brute_force(X, got, self);
  }
}

TEST_CASE("selection: the sparse kNN path on two-valued columns equals brute force",
          "[selection]") {
  // Sparse binary rows (and an empty one, a constant column), raw and affinely scaled per column
  // with values whose squared gaps are exact (0.5 + 2 z: w = 4), as the scalers turn bag-of-words
  // data: the inverted-index path, with its many exact ties.
  torch::manual_seed(6);
  torch::Tensor Z = (torch::rand({150, 40}) < 0.08).to(torch::kFloat);
  Z[7].zero_();
  Z.select(1, 3).fill_(1.0f);
  torch::Tensor scaled =
      Z * torch::arange(1, 41).remainder(3).add(1).mul(2).to(torch::kFloat) + 0.5f;
  for (const torch::Tensor& X : {Z, scaled})
    for (bool self : {true, false}) {
      torch::Tensor got = nearest_neighbours(X, 5, self, 64 << 20, /*threads=*/3);
      REQUIRE(got.sizes() == torch::IntArrayRef({150, 5 + (self ? 1 : 0)}));
      check_against_brute_force(X, got, self);
    }
}
