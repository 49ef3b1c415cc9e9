// d2ace: every component on a small example (N = 6, q = 3, k = 2) against a plain-loop reading of
// method.md §3, the schedules at known epochs, each ablation and released/intended switch, and a
// full run through the harness.
#include "tests/catch.h"

#include <c10/core/InferenceMode.h>

#include <cmath>

#include "bench/experiment.h"
#include "d2ace/d2ace_selector.h"
#include "d2ace/label_weights.h"
#include "tests/support.h"

using namespace d2ace;

namespace {

constexpr int64_t N = 6, Q = 3;

// Features on a line: the 2 nearest neighbours are known by construction (ties by index).
TrainingPool example_pool() {
  TrainingPool pool;
  pool.X = torch::tensor({0.f, 1.f, 3.f, 6.f, 10.f, 15.f}).view({N, 1});
  pool.Y = torch::tensor({1.f, 0.f, 0.f, 1.f, 1.f, 0.f, 0.f, 1.f, 0.f, 0.f, 1.f, 1.f, 0.f, 0.f, 1.f,
                          1.f, 0.f, 1.f})
               .view({N, Q});
  pool.batch_size = 3;
  pool.epochs = 100;
  pool.seed = 9;
  return pool;
}

// Two visits of every instance with fixed predictions and losses.
torch::Tensor P1() {
  return torch::tensor({.2f, .7f, .5f, .9f, .1f, .4f, .6f, .3f, .8f, .0f, .5f, 1.f, .3f, .3f, .6f,
                        .7f, .2f, .9f})
      .view({N, Q});
}
torch::Tensor P2() {
  return torch::tensor({.4f, .6f, .5f, .7f, .3f, .1f, .6f, .9f, .2f, .2f, .5f, 1.f, .8f, .1f, .7f,
                        .9f, .6f, .5f})
      .view({N, Q});
}
torch::Tensor L2() {
  return torch::tensor({.9f, .1f, .7f, .4f, 1.2f, .3f, .5f, .2f, .6f, 1.5f, .7f, .0f, .8f, .1f, .4f,
                        .3f, .9f, .6f})
      .view({N, Q});
}

std::unique_ptr<D2aceSelector> observed(D2aceConfig c) {
  c.k = 2;
  auto s = std::make_unique<D2aceSelector>(c);
  s->attach(example_pool());
  torch::Tensor all = torch::arange(N);
  s->observe(all, P1(), torch::zeros({N, Q}));
  s->observe(all, P2(), L2());
  return s;
}

double H2(double p) {
  return (p <= 0 || p >= 1) ? 0.0 : -(p * std::log2(p) + (1 - p) * std::log2(1 - p));
}

// method.md §3, one loop at a time, in double precision.
struct Reference {
  double U[N][Q], H[N][Q], vU[Q], vH[Q], Z[N][Q], CU[Q][Q], CH[Q][Q], scoreU[N], scoreH[N], pU[N],
      pH[N], P[N];

  Reference(double beta, double s, bool released) {
    auto p1 = P1(), p2 = P2(), l2 = L2(), Y = example_pool().Y;
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < Q; ++j) {
        double a = p1[i][j].item<float>(), b = p2[i][j].item<float>(), l = l2[i][j].item<float>();
        U[i][j] = 0.5 * std::abs(b - a) + 0.5 * H2(b);
        double f = 0.7 * std::abs(b - a);  // first visit: change 0, EMA 0
        double g = released ? 1.0 - std::expm1(-l) : 1.0 - std::exp(-l);
        H[i][j] = g * (1 - f);
      }
    weights(U, vU);
    weights(H, vH);
    // Neighbours (k = 2 plus self) of 0, 1, 3, 6, 10, 15: {0,1,2}, {1,0,2}, {2,1,0} (0 and 3 tie at
    // distance 3: the lower index), {3,2,4}, {4,3,5}, {5,4,3}.
    const int nn[N][3] = {{0, 1, 2}, {1, 0, 2}, {2, 1, 0}, {3, 2, 4}, {4, 3, 5}, {5, 4, 3}};
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < Q; ++j) {
        Z[i][j] = 0;
        for (int r : nn[i]) Z[i][j] = std::max<double>(Z[i][j], Y[r][j].item<float>());
      }
    correlation(U, Y, CU);
    correlation(H, Y, CH);
    scores(U, vU, CU, Y, scoreU);
    scores(H, vH, CH, Y, scoreH);
    quantised(scoreU, s, pU);
    quantised(scoreH, s, pH);
    for (int i = 0; i < N; ++i) P[i] = beta * pU[i] + (1 - beta) * pH[i];
  }
  static void weights(double (&M)[N][Q], double (&v)[Q]) {
    for (int j = 0; j < Q; ++j) {
      double mean = 0, var = 0;
      for (int i = 0; i < N; ++i) mean += M[i][j] / N;
      for (int i = 0; i < N; ++i) var += (M[i][j] - mean) * (M[i][j] - mean) / N;
      v[j] = std::exp(0.5 * mean + 0.5 * std::sqrt(var));
    }
  }
  static void correlation(double (&M)[N][Q], const torch::Tensor& Y, double (&C)[Q][Q]) {
    double norm[Q];
    for (int j = 0; j < Q; ++j) {
      norm[j] = 0;
      for (int i = 0; i < N; ++i) norm[j] += std::pow(M[i][j] * Y[i][j].item<float>(), 2);
      norm[j] = std::sqrt(norm[j]) + 1e-8;
    }
    for (int j = 0; j < Q; ++j) {
      double row = 0;
      for (int k = 0; k < Q; ++k) {
        C[j][k] = 0;
        for (int i = 0; i < N; ++i)
          C[j][k] += M[i][j] * Y[i][j].item<float>() * M[i][k] * Y[i][k].item<float>();
        C[j][k] /= norm[j] * norm[k];
        row += C[j][k];
      }
      for (int k = 0; k < Q; ++k) C[j][k] /= row + 1e-8;
    }
  }
  void scores(double (&M)[N][Q], double (&v)[Q], double (&C)[Q][Q], const torch::Tensor& Y,
              double (&out)[N]) const {
    for (int i = 0; i < N; ++i) {
      out[i] = 0;
      for (int j = 0; j < Q; ++j) {
        double s = 0;
        for (int k = 0; k < Q; ++k) s += Z[i][k] * C[j][k];
        out[i] += v[j] * M[i][j] * (1 + Y[i][j].item<float>() * s);
      }
    }
  }
  static void quantised(double (&score)[N], double s, double (&p)[N]) {
    double lo = *std::min_element(score, score + N), hi = *std::max_element(score, score + N),
           total = 0;
    for (int i = 0; i < N; ++i) {
      double k = std::min<double>(
          N, std::max(1.0, std::ceil((1 - (score[i] - lo) / (hi - lo)) / (1.0 / N))));
      p[i] = std::exp(-std::log(s) / N * k);
      total += p[i];
    }
    for (int i = 0; i < N; ++i) p[i] /= total;
  }
};

void check_matrix(const torch::Tensor& got, const double* want, int64_t rows, int64_t cols,
                  const char* what) {
  auto g = got.to(torch::kDouble).contiguous();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      INFO(what << "[" << i << "][" << j << "]");
      CHECK(g.view({rows, cols})[i][j].item<double>() ==
            Approx(want[i * cols + j]).epsilon(1e-5).margin(1e-6));
    }
}

}  // namespace

TEST_CASE("d2ace: every component on the N = 6, q = 3, k = 2 example", "[d2ace]") {
  c10::InferenceMode mode;
  for (bool released : {true, false}) {
    INFO("hardness " << (released ? "released" : "intended"));
    D2aceConfig c;
    c.hardness = released ? HardnessForm::kReleased : HardnessForm::kIntended;
    auto s = observed(c);
    D2aceScores r =
        s->compute(10);  // drawn at epoch 10 with epoch 9's β = 0.7, s = 8 (released lag)
    CHECK(r.beta == Approx(0.7));
    CHECK(r.pressure == Approx(8));
    Reference ref(0.7, 8, released);
    check_matrix(r.U, &ref.U[0][0], N, Q, "U");
    check_matrix(r.H, &ref.H[0][0], N, Q, "H");
    check_matrix(r.vU, ref.vU, 1, Q, "vU");
    check_matrix(r.vH, ref.vH, 1, Q, "vH");
    check_matrix(s->label_context(), &ref.Z[0][0], N, Q, "Z");
    check_matrix(r.CU, &ref.CU[0][0], Q, Q, "CU");
    check_matrix(r.CH, &ref.CH[0][0], Q, Q, "CH");
    check_matrix(r.scoreU, ref.scoreU, 1, N, "scoreU");
    check_matrix(r.scoreH, ref.scoreH, 1, N, "scoreH");
    check_matrix(r.pU, ref.pU, 1, N, "pU");
    check_matrix(r.pH, ref.pH, 1, N, "pH");
    check_matrix(r.P, ref.P, 1, N, "P");
  }
  // Two entries by hand. Instance 0, label 0: p 0.2 -> 0.4: U = ½ 0.2 + ½ H2(0.4) = 0.1 + 0.4855.
  auto s = observed({});
  D2aceScores r = s->compute(10);
  CHECK(r.U[0][0].item<float>() == Approx(0.1 + 0.5 * 0.9709506));
  // Instance 3, label 2: p 1 -> 1, l = 0: U = 0 (no NaN at p = 1), H = (2 - 1)(1 - 0) = 1
  // (released).
  CHECK(r.U[3][2].item<float>() == 0);
  CHECK(r.H[3][2].item<float>() == Approx(1.0));
}

TEST_CASE("d2ace: the fused hardness equals its reference", "[d2ace]") {
  // Bit for bit: the same ATen exponential, then the reference's arithmetic in its order.
  torch::manual_seed(2);
  // Strided views, as the dynamics hand them over: blocks of one [N, 3q] state.
  torch::Tensor state = torch::rand({50, 21});
  state.narrow(1, 0, 7).mul_(20);  // losses up to 20: e^{-l} underflows toward 0
  const torch::Tensor loss = state.narrow(1, 0, 7), flip = state.narrow(1, 14, 7);
  for (HardnessForm form : {HardnessForm::kReleased, HardnessForm::kIntended})
    CHECK(noise_resistant_hardness(loss, flip, form)
              .equal(noise_resistant_hardness_reference(loss, flip, form)));
}

TEST_CASE("d2ace: the fused label weights, cosine rows and scores agree with their references",
          "[d2ace]") {
  // Within float rounding: the kernels sum in double, the references in float.
  torch::manual_seed(8);
  const int64_t n = 300, q = 11;
  torch::Tensor M = torch::rand({n, q}).mul_(2);
  torch::Tensor Y = (torch::rand({n, q}) < 0.3).to(torch::kFloat);
  CHECK(dynamic_label_weights(M).allclose(dynamic_label_weights_reference(M), 1e-5, 1e-6));
  torch::Tensor masked = M * Y;
  torch::Tensor gram = masked.t().mm(masked);
  gram[3].zero_();  // a label never relevant: a zero row and column
  gram.select(1, 3).zero_();
  CHECK(cosine_rows(gram).allclose(cosine_rows_reference(gram), 1e-5, 1e-7));
  const RelevantEntries relevant = RelevantEntries::of(Y);
  torch::Tensor v = dynamic_label_weights(M), s_at = torch::rand({relevant.rows.size(0)});
  CHECK(enhanced_scores(M, v, s_at, relevant)
            .allclose(enhanced_scores_reference(M, v, s_at, relevant), 1e-5, 1e-6));
  CHECK(enhanced_scores(M, v, {}, relevant)
            .allclose(enhanced_scores_reference(M, v, {}, relevant), 1e-5, 1e-6));
}

TEST_CASE("d2ace: beta and pressure at known epochs; the mixture flattens as pressure decays",
          "[d2ace]") {
  c10::InferenceMode mode;
  StagewiseSchedule sch;
  const SelectionPressure pressure = D2aceConfig{}.schedule.pressure(100);
  CHECK(sch.beta(9) == Approx(0.7));
  CHECK(sch.beta(10) == Approx(0.7));
  CHECK(sch.beta(40) == Approx(0.5));
  CHECK(sch.beta(70) == Approx(0.3));
  CHECK(sch.beta(99) == Approx(0.3));
  CHECK(pressure.at(9) == Approx(8));
  CHECK(pressure.at(40) == Approx(4));
  CHECK(pressure.at(70) == Approx(2));
  CHECK(pressure.at(99) == Approx(std::pow(8.0, 1.0 / 90)));
  CHECK(sch.schedule_epoch(41) == 40);  // released lag
  sch.released_lag = false;
  CHECK(sch.schedule_epoch(41) == 41);

  auto s = observed({});
  double previous = 0;
  for (int64_t e : {11, 41, 71, 100}) {
    D2aceScores r = s->compute(e);
    double h = normalised_entropy(r.P);
    CHECK(h > previous);
    previous = h;
  }
  CHECK(previous > 0.999);
}

TEST_CASE("d2ace: ablations switch off one component each", "[d2ace]") {
  c10::InferenceMode mode;
  D2aceScores base = observed({})->compute(10);
  D2aceConfig c;
  c.label_weights = false;
  CHECK(observed(c)->compute(10).vU.equal(torch::ones({Q})));
  c = {};
  c.mixture.fixed_beta = 1.0;
  D2aceScores only_u = observed(c)->compute(10);
  CHECK(only_u.P.allclose(only_u.pU));
  c.mixture.fixed_beta = 0.0;
  D2aceScores only_h = observed(c)->compute(10);
  CHECK(only_h.P.allclose(only_h.pH));
  c = {};
  c.local_context = false;
  auto global = observed(c);
  CHECK(global->label_context().equal(torch::ones({N, Q})));
  CHECK_FALSE(global->compute(10).scoreU.allclose(base.scoreU));
  c = {};
  c.enhancement = false;
  D2aceScores plain = observed(c)->compute(10);
  CHECK(plain.scoreU.allclose(base.U.mv(base.vU)));  // S1 only
  c = {};
  c.relevant_mask = false;
  D2aceScores unmasked = observed(c)->compute(10);
  torch::Tensor gram = base.U.t().mm(base.U);
  torch::Tensor norm = gram.diagonal().sqrt() + 1e-8;
  torch::Tensor C = gram / norm.unsqueeze(1) / norm.unsqueeze(0);
  CHECK(unmasked.CU.allclose(C / (C.sum(1, true) + 1e-8), 1e-5));
}

TEST_CASE("d2ace: warm-up order fixed (released) or shuffled", "[d2ace]") {
  c10::InferenceMode mode;
  for (bool fixed : {true, false}) {
    D2aceConfig c;
    c.fixed_warmup_order = fixed;
    D2aceSelector s(c);
    TrainingPool pool = example_pool();
    pool.X = torch::rand({40, 2});
    pool.Y = (torch::rand({40, 3}) < 0.4).to(torch::kFloat);
    s.attach(pool);
    torch::Tensor first = torch::cat(s.plan_epoch(0).batches);
    s.end_epoch(0);
    torch::Tensor second = torch::cat(s.plan_epoch(1).batches);
    CHECK(first.equal(second) == fixed);
  }
}

TEST_CASE("d2ace: a run reports beta, pressure and entropy per epoch", "[d2ace]") {
  Registries reg;
  ExperimentConfig c = test::fold0_experiment("synthetic:n=400,d=10,q=5", 14);
  c.selector = "d2ace";
  auto cells = Experiment(c, reg).run();
  REQUIRE(cells[0]["status"]["state"] == "done");
  const auto& sel = cells[0]["curves"]["selector"];
  CHECK(sel["beta"][10].get<double>() == Approx(0.7));
  CHECK(sel["pressure"][10].get<double>() == Approx(8));
  CHECK(sel["uniform"][9].get<double>() == 1.0);
  CHECK(sel["entropy"][12].get<double>() < 1.0);
  CHECK(cells[0]["timings"]["neighbour_search_s"].get<double>() > 0);
  c.selector_params = {{"hardness", "guess"}};
  CHECK_THROWS_WITH(Experiment(c, reg), Catch::Contains("hardness must be released or intended"));
}

TEST_CASE("d2ace: pair lists and dense products give the same correlations and enhancement",
          "[d2ace]") {
  torch::manual_seed(9);
  const int64_t n = 40, q = 7;
  torch::Tensor Y = (torch::rand({n, q}) < 0.4).to(torch::kFloat);
  torch::Tensor Z = ((torch::rand({n, q}) < 0.5).to(torch::kFloat) + Y).clamp_max(1);
  torch::Tensor M = torch::rand({n, q});
  const int64_t huge = int64_t{1} << 40;
  RelevantEntries pairs = RelevantEntries::of(Y, huge), dense = RelevantEntries::of(Y, 0);
  REQUIRE(pairs.pair_a.defined());
  REQUIRE(dense.mask.defined());
  torch::Tensor C_pairs = relevant_label_correlation(M, &pairs),
                C_dense = relevant_label_correlation(M, &dense);
  CHECK(C_pairs.allclose(C_dense, 1e-5, 1e-7));
  EnhancementIndex e_pairs = EnhancementIndex::of(Z, pairs, false, huge),
                   e_dense = EnhancementIndex::of(Z, pairs, false, 0);
  REQUIRE(e_pairs.owner.defined());
  REQUIRE(e_dense.Z.defined());
  torch::Tensor s_pairs = enhancement_at(C_pairs, e_pairs, pairs),
                s_dense = enhancement_at(C_pairs, e_dense, pairs);
  // The fused pair loops add in index_add_'s order: the same values as their references.
  CHECK(pair_gram(M, pairs).equal(pair_gram_reference(M, pairs)));
  CHECK(s_pairs.equal(enhancement_at_reference(C_pairs, e_pairs, pairs)));
  CHECK(s_pairs.allclose(s_dense, 1e-5, 1e-7));
  // Against the definition: s_ij = (Z Ĉᵀ)_ij at Y's ones.
  CHECK(s_dense.allclose(Z.mm(C_pairs.t()).index({pairs.rows, pairs.cols}), 1e-6, 1e-7));
  // The default rule: dense when N q² <= 100 pairs (few labels), or past max(N q, 4 M) pairs.
  CHECK(RelevantEntries::of(torch::ones({n, q})).mask.defined());  // 1 960 pairs, N q² = 1 960
  torch::Tensor one_each = torch::zeros({100, 400});
  one_each.select(1, 0).fill_(1);
  CHECK(!RelevantEntries::of(one_each).mask.defined());  // 100 pairs against N q² = 16 M
  torch::Tensor many = torch::zeros({30000, 300});
  many.narrow(1, 0, 20).fill_(1);  // 12 M pairs: cheaper than N q² = 2.7 G, but too many to list
  CHECK(RelevantEntries::of(many).mask.defined());
  CHECK(!prefer_dense_products(30000, 300, 12'000'000, int64_t{1} << 40));
}
