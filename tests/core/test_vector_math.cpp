// core/vector_math.h: SLEEF's log and exp give ATen's log_ and exp_ values bit for bit, at every
// length (whole vectors and padded tails), including the values the kernels feed them.
#include "tests/catch.h"

#include <torch/utils.h>

#include "core/vector_math.h"

using namespace d2ace;

namespace {

torch::Tensor through(void (*f)(const float*, float*, int64_t), const torch::Tensor& x) {
  torch::Tensor out = torch::empty_like(x);
  f(x.data_ptr<float>(), out.data_ptr<float>(), x.numel());
  return out;
}

}  // namespace

TEST_CASE("vector_math: log_floats and exp_floats equal ATen's log and exp bit for bit",
          "[vector_math]") {
  if (!simd_math_available()) {
    WARN("no AVX2 + FMA here: the kernels use ATen's log_ and exp_ themselves");
    return;
  }
  torch::manual_seed(3);
  for (int64_t n : {1, 7, 8, 9, 31, 374, 1000}) {
    INFO("n = " << n);
    // Probabilities with the entropy's floor, 1 - p, and negated losses over a wide range.
    torch::Tensor p = torch::rand({n}).clamp_min(1e-30);
    torch::Tensor l = torch::rand({n}) * 40 - 30;
    CHECK(through(log_floats, p).equal(p.log()));
    CHECK(through(log_floats, 1 - p).equal((1 - p).log()));
    CHECK(through(exp_floats, l).equal(l.exp()));
    CHECK(through(exp_floats, -l.abs()).equal((-l.abs()).exp()));
    torch::Tensor in_place = p.clone();
    log_floats(in_place.data_ptr<float>(), in_place.data_ptr<float>(), n);
    CHECK(in_place.equal(p.log()));
  }
  const torch::Tensor edges = torch::tensor({0.0f, 1e-30f, 1.0f, 0.5f, 88.0f, -104.0f, 1e30f});
  CHECK(through(log_floats, edges.abs()).equal(edges.abs().log()));
  CHECK(through(exp_floats, edges).equal(edges.exp()));
}
