// models/: the paper's backbones (CLIF, DELA, MPVAE) and the MLP meet the model contract: output
// shapes, a falling training loss on a small synthetic set, loss matrices that agree with the
// models' own losses, and the same seed giving the same weights and outputs.
#include "tests/catch.h"

#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>

#include "datasets/synthetic.h"
#include "models/clif.h"
#include "models/dela.h"
#include "models/layers.h"
#include "models/mpvae.h"

using namespace d2ace;

namespace {

const std::vector<std::string> kModels = {"mlp", "clif", "dela", "mpvae", "paca"};

struct Toy {
  torch::Tensor X, Y;
};

Toy toy() {
  SyntheticSpec spec;
  spec.n = 96;
  spec.d = 10;
  spec.q = 5;
  spec.seed = 3;
  Dataset ds = make_synthetic(spec);
  // Min-max scaled, as the paper's protocol feeds them (PACA reconstructs x through a sigmoid).
  torch::Tensor lo = std::get<0>(ds.X.min(0)), hi = std::get<0>(ds.X.max(0));
  return {(ds.X - lo) / (hi - lo).clamp_min(1e-6), ds.Y};
}

std::shared_ptr<MultiLabelModel> build(const std::string& name, const Toy& t, uint64_t seed,
                                       std::map<std::string, std::string> given = {}) {
  static ModelRegistry registry = [] {
    ModelRegistry r("model");
    register_models(r);
    return r;
  }();
  const auto& e = registry.get(name);
  if (name == "clif") given.emplace("hidden", "32");
  if (name == "mpvae") given.emplace("test_samples", "200");
  torch::manual_seed(seed);
  return e.make(Params(name, e.params, given), {t.X.size(1), t.Y.size(1), t.Y, seed, {}});
}

bool same(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && a.equal(b);
}

}  // namespace

TEST_CASE("every model gives logits, a loss matrix and a scalar loss of the right shapes",
          "[models]") {
  Toy t = toy();
  for (const auto& name : kModels) {
    INFO(name);
    auto model = build(name, t, 1);
    model->train();
    TrainingOutput out = model->training_forward(t.X.slice(0, 0, 16), t.Y.slice(0, 0, 16), {});
    CHECK(out.logits.sizes() == torch::IntArrayRef({16, 5}));
    CHECK(out.loss_matrix.sizes() == torch::IntArrayRef({16, 5}));
    CHECK(out.loss.dim() == 0);
    CHECK(std::isfinite(out.loss.item<double>()));
    CHECK((out.loss_matrix >= 0).all().item<bool>());
    torch::NoGradGuard guard;
    model->eval();
    torch::Tensor logits = model->forward(t.X);
    CHECK(logits.sizes() == torch::IntArrayRef({96, 5}));
    CHECK(torch::isfinite(logits).all().item<bool>());
  }
}

TEST_CASE("every model's training loss falls on a small synthetic set", "[models][slow]") {
  Toy t = toy();
  for (const auto& name : kModels) {
    INFO(name);
    auto model = build(name, t, 2);
    model->train();
    torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(3e-3));
    std::vector<double> losses;
    for (int step = 0; step < 80; ++step) {
      TrainingOutput out = model->training_forward(t.X, t.Y, {});
      opt.zero_grad();
      out.loss.backward();
      opt.step();
      losses.push_back(out.loss.item<double>());
    }
    auto mean = [&](size_t from, size_t to) {
      double s = 0;
      for (size_t i = from; i < to; ++i) s += losses[i];
      return s / static_cast<double>(to - from);
    };
    CHECK(mean(70, 80) < 0.9 * mean(0, 10));
  }
}

TEST_CASE("per-instance loss weights scale each instance's part of every model's loss",
          "[models]") {
  // The loss is affine in the weights, L(w) = c + sum_i w_i a_i / b: L(2) - L(1) = L(1) - L(0),
  // with a nonzero instance part; ones give the unweighted loss; the loss matrix never moves.
  Toy t = toy();
  const int64_t b = t.X.size(0);
  for (const auto& name : kModels) {
    INFO(name);
    auto model = build(name, t, 4);
    model->train();
    auto loss_with = [&](const torch::Tensor& w) {
      torch::manual_seed(21);
      return model->training_forward(t.X, t.Y, w);
    };
    const TrainingOutput none = loss_with({});
    const TrainingOutput ones = loss_with(torch::ones({b}));
    const double l0 = loss_with(torch::zeros({b})).loss.item<double>();
    const double l1 = ones.loss.item<double>(),
                 l2 = loss_with(torch::full({b}, 2.0)).loss.item<double>();
    CHECK(l1 == Approx(none.loss.item<double>()).epsilon(1e-5));
    CHECK(std::abs(l1 - l0) > 1e-3);
    CHECK(l2 - l1 == Approx(l1 - l0).epsilon(1e-4));
    CHECK(same(ones.loss_matrix, none.loss_matrix));
    // Weighting one half twice as much moves the loss by that half's part only.
    torch::Tensor half = torch::cat({torch::full({b / 2}, 2.0), torch::ones({b - b / 2})});
    const double lh = loss_with(half).loss.item<double>();
    CHECK(lh > std::min(l1, l2) - 1e-6);
    CHECK(lh < std::max(l1, l2) + 1e-6);
  }
}

TEST_CASE("the same seed gives the same weights and outputs", "[models]") {
  Toy t = toy();
  for (const auto& name : kModels) {
    INFO(name);
    auto a = build(name, t, 7), b = build(name, t, 7), c = build(name, t, 8);
    auto pa = a->parameters(), pb = b->parameters(), pc = c->parameters();
    REQUIRE(pa.size() == pb.size());
    bool all_same = true, any_differs = false;
    for (size_t i = 0; i < pa.size(); ++i) {
      all_same = all_same && same(pa[i], pb[i]);
      any_differs = any_differs || !same(pa[i], pc[i]);
    }
    CHECK(all_same);
    CHECK(any_differs);
    // Training forward passes draw from the global stream: same seed, same outputs.
    a->train();
    b->train();
    torch::manual_seed(11);
    TrainingOutput oa = a->training_forward(t.X, t.Y, {});
    torch::manual_seed(11);
    TrainingOutput ob = b->training_forward(t.X, t.Y, {});
    CHECK(same(oa.logits, ob.logits));
    CHECK(oa.loss.item<double>() == ob.loss.item<double>());
    torch::NoGradGuard guard;
    a->eval();
    b->eval();
    CHECK(same(a->forward(t.X), b->forward(t.X)));
    CHECK(same(a->forward(t.X), a->forward(t.X)));  // evaluation is repeatable (MPVAE's own draws)
  }
}

TEST_CASE("loss matrices agree with the models' own losses", "[models]") {
  Toy t = toy();
  SECTION("clif: without the link term the loss is the matrix mean") {
    auto m = build("clif", t, 1, {{"link_weight", "0"}});
    m->train();
    TrainingOutput out = m->training_forward(t.X, t.Y, {});
    CHECK(out.loss.item<double>() == Approx(out.loss_matrix.mean().item<double>()).epsilon(1e-6));
    CHECK(same(out.loss_matrix, bce_loss_matrix(out.logits, t.Y)));
  }
  SECTION("dela: without the KL term the loss is q times the multilabel soft margin") {
    auto m = build("dela", t, 1, {{"beta", "0"}});
    m->train();
    TrainingOutput out = m->training_forward(t.X, t.Y, {});
    CHECK(out.loss.item<double>() ==
          Approx(out.loss_matrix.sum(1).mean().item<double>()).epsilon(1e-6));
    torch::Tensor soft_margin =
        torch::nn::functional::multilabel_soft_margin_loss(out.logits, t.Y) * 5;
    CHECK(out.loss.item<double>() == Approx(soft_margin.item<double>()).epsilon(1e-5));
  }
  SECTION("mpvae: the matrix is the label branch's BCE") {
    auto m = build("mpvae", t, 1);
    m->train();
    TrainingOutput out = m->training_forward(t.X, t.Y, {});
    CHECK(same(out.loss_matrix, bce_loss_matrix(out.logits, t.Y)));
  }
}

TEST_CASE("mpvae's factorised ranking loss equals the reference's pairwise sum", "[models]") {
  torch::manual_seed(5);
  const int64_t S = 7, b = 6, q = 5;
  torch::Tensor E = torch::rand({S, b, q}, torch::kDouble).clamp(1e-3, 1 - 1e-3);
  torch::Tensor y = (torch::rand({b, q}, torch::kDouble) < 0.4).to(torch::kDouble);
  y[0].fill_(1);  // an instance with no negatives: its term is 0 (0 / 1e-12 pairs)
  auto [nll, rank] = probit_nll_and_ranking(E, y, {});
  // The reference's form: every (i, k) pair with y_i = 1, y_k = 0, over [S, b, q, q].
  torch::Tensor truth = (y.unsqueeze(2) * (1 - y).unsqueeze(1)).unsqueeze(0);
  torch::Tensor pairs = ((-5.0 * (E.unsqueeze(3) - E.unsqueeze(2))).exp() * truth).sum({2, 3});
  torch::Tensor norm = y.sum(1) * (1 - y).sum(1) + 1e-12;
  double expected = (pairs / (5.0 * norm)).mean().item<double>();
  CHECK(rank.item<double>() == Approx(expected).epsilon(1e-12));
  // The sampled NLL: -log mean_S prod_j E^y (1 - E)^(1 - y), batch mean.
  torch::Tensor like = (E.pow(y) * (1 - E).pow(1 - y)).prod(2).mean(0);
  CHECK(nll.item<double>() == Approx((-(like + 1e-12).log()).mean().item<double>()).epsilon(1e-9));
}

TEST_CASE("dela trains its gates at lr_ratio times the learning rate", "[models]") {
  Toy t = toy();
  auto m = build("dela", t, 1, {{"lr_ratio", "0.5"}});
  auto groups = m->parameter_groups();
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].lr_scale == 1.0);
  CHECK(groups[1].lr_scale == 0.5);
  CHECK(groups[1].parameters.size() == 3);  // gate logits, the gate Linear's weight and bias
  CHECK(groups[0].parameters.size() + groups[1].parameters.size() == m->parameters().size());
}

TEST_CASE("clif's label graph: identity as released, or training-label co-occurrence", "[models]") {
  Toy t;
  t.X = torch::rand({4, 3});
  t.Y = torch::tensor({1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, torch::kFloat).view({4, 3});
  auto identity = build("clif", t, 1);
  auto cooc = build("clif", t, 1, {{"label_graph", "cooccurrence"}});
  auto adjacency = [](MultiLabelModel& m) { return *m.named_buffers().find("adjacency"); };
  CHECK(same(adjacency(*identity), torch::eye(3)));
  // labels 0-1 co-occur in row 0; label 2 co-occurs with nothing.
  CHECK(same(adjacency(*cooc),
             torch::tensor({0, 1, 0, 1, 0, 0, 0, 0, 0}, torch::kFloat).view({3, 3})));
}
