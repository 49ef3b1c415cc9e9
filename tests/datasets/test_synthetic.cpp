// datasets/synthetic: seeded, shaped as asked, cardinality and correlation as asked.
#include "tests/catch.h"

#include "core/error.h"
#include "datasets/synthetic.h"

using namespace d2ace;

TEST_CASE("synthetic: seeded and shaped by its spec", "[synthetic]") {
  SyntheticSpec s = parse_synthetic_name("synthetic:n=500,d=20,q=9,cardinality=3,noise=0");
  Dataset a = make_synthetic(s), b = make_synthetic(s);
  CHECK(a.X.equal(b.X));
  CHECK(a.Y.equal(b.Y));
  CHECK(a.X.sizes() == torch::IntArrayRef({500, 20}));
  CHECK(a.Y.sizes() == torch::IntArrayRef({500, 9}));
  CHECK(a.Y.sum(1).min().item<float>() >= 1);  // noise 0: every instance has a label
  CHECK(a.Y.sum(1).mean().item<double>() == Approx(3.0).margin(0.35));
  s.seed = 8;
  CHECK_FALSE(make_synthetic(s).Y.equal(a.Y));
}

TEST_CASE("synthetic: correlation groups labels", "[synthetic]") {
  auto same_group_share = [](double correlation) {
    SyntheticSpec s;
    s.n = 2000, s.q = 9, s.cardinality = 2.0, s.noise = 0, s.correlation = correlation;
    torch::Tensor Y = make_synthetic(s).Y;
    torch::Tensor co = Y.t().mm(Y);  // label co-occurrence
    double within = 0, total = 0;
    for (int64_t j = 0; j < 9; ++j)
      for (int64_t k = 0; k < 9; ++k)
        if (j != k) {
          total += co[j][k].item<float>();
          if (j / 3 == k / 3) within += co[j][k].item<float>();
        }
    return within / total;
  };
  CHECK(same_group_share(0.9) > same_group_share(0.0) + 0.3);
}

TEST_CASE("synthetic: bad parameters are input errors", "[synthetic]") {
  CHECK_THROWS_WITH(parse_synthetic_name("synthetic:m=3"), Catch::Contains("no parameter 'm'"));
  CHECK_THROWS_AS(parse_synthetic_name("synthetic:noise=2"), InputError);
  CHECK_THROWS_AS(parse_synthetic_name("synthetic:n=ten"), InputError);
  CHECK(is_synthetic_name("synthetic:q=3"));
  CHECK_FALSE(is_synthetic_name("synth"));
}
