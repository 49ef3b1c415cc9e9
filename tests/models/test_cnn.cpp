// models/cnn: the image backbone meets the model contract on pixels, its fused crop-and-flip
// kernel gives the tensor-operation reference's floats bit for bit, its augmentation is seeded,
// and it refuses features.
#include "tests/catch.h"

#include <torch/optim/adam.h>

#include "core/error.h"
#include "models/cnn.h"

using namespace d2ace;

namespace {

ModelShape image_shape(int64_t c, int64_t h, int64_t w, int64_t labels, uint64_t seed) {
  return {c * h * w, labels, {}, seed, {c, h, w}};
}

std::shared_ptr<MultiLabelModel> small_cnn(const ModelShape& shape,
                                           std::map<std::string, std::string> given = {}) {
  given.emplace("width", "4");
  given.emplace("blocks", "1,1");
  torch::manual_seed(static_cast<int64_t>(shape.seed));
  return make_cnn(Params("cnn", cnn_params().specs(), given), shape);
}

}  // namespace

TEST_CASE("the fused crop-and-flip kernel equals its tensor-operation reference", "[cnn]") {
  torch::manual_seed(5);
  for (int64_t padding : {0, 1, 4}) {
    INFO("padding " << padding);
    const int64_t b = 9;
    const torch::Tensor pixels =
        torch::randint(0, 256, {b, 3, 7, 5}, torch::kLong).to(torch::kUInt8);
    const torch::Tensor dy = torch::randint(0, 2 * padding + 1, {b}, torch::kLong),
                        dx = torch::randint(0, 2 * padding + 1, {b}, torch::kLong),
                        flip = torch::randint(0, 2, {b}, torch::kLong);
    const torch::Tensor fused = augment_cpu(pixels, dy, dx, flip, padding),
                        reference = augment_reference(pixels, dy, dx, flip, padding);
    CHECK(fused.sizes() == torch::IntArrayRef({b, 3, 7, 5}));
    CHECK(fused.equal(reference));
    // Without augmentation: the pixels mapped to [-1, 1], both ways.
    const torch::Tensor plain = augment_cpu(pixels, {}, {}, {}, padding);
    CHECK(plain.equal(augment_reference(pixels, {}, {}, {}, padding)));
    CHECK(plain.min().item<float>() >= -1.0f);
    CHECK(plain.max().item<float>() <= 1.0f);
  }
  // What a crop and a flip mean, on one 1 x 2 x 3 image: rows shift down by one (the top row is
  // padding, -1) and columns are mirrored.
  const torch::Tensor image =
      torch::tensor({0, 51, 102, 153, 204, 255}, torch::kLong).to(torch::kUInt8).view({1, 1, 2, 3});
  const torch::Tensor out =
      augment_cpu(image, torch::tensor({0}), torch::tensor({1}), torch::tensor({1}), 1);
  const torch::Tensor expected =
      torch::tensor({-1.0f, -1.0f, -1.0f, 102 / 127.5f - 1, 51 / 127.5f - 1, 0 / 127.5f - 1})
          .view({1, 1, 2, 3});
  CHECK(out.equal(expected));
}

TEST_CASE("cnn gives logits, a loss matrix and a loss from uint8 pixels", "[cnn]") {
  const ModelShape shape = image_shape(1, 16, 16, 3, 7);
  auto model = small_cnn(shape);
  const torch::Tensor x = torch::randint(0, 256, {6, 256}, torch::kLong).to(torch::kUInt8);
  const torch::Tensor y = torch::randint(0, 2, {6, 3}, torch::kLong).to(torch::kFloat);
  model->train();
  const TrainingOutput out = model->training_forward(x, y, {});
  CHECK(out.logits.sizes() == torch::IntArrayRef({6, 3}));
  CHECK(out.loss_matrix.sizes() == torch::IntArrayRef({6, 3}));
  CHECK(out.loss.dim() == 0);
  CHECK(std::isfinite(out.loss.item<double>()));
  torch::NoGradGuard guard;
  model->eval();
  const torch::Tensor a = model->forward(x), b = model->forward(x);
  CHECK(a.equal(b));  // evaluation does not augment
}

TEST_CASE("cnn's augmentation is drawn from its own seed", "[cnn]") {
  const torch::Tensor x = torch::randint(0, 256, {4, 3 * 12 * 12}, torch::kLong).to(torch::kUInt8);
  auto inputs = [&](uint64_t seed) {
    auto model = std::dynamic_pointer_cast<CnnImpl>(small_cnn(image_shape(3, 12, 12, 2, seed)));
    model->train();
    return std::make_pair(model->input(x), model->input(x));
  };
  const auto [first, second] = inputs(11);
  const auto [again, again_second] = inputs(11);
  CHECK(first.equal(again));
  CHECK(second.equal(again_second));
  CHECK(!first.equal(second));  // each batch draws afresh
  auto off = std::dynamic_pointer_cast<CnnImpl>(
      small_cnn(image_shape(3, 12, 12, 2, 11), {{"augment", "false"}}));
  off->train();
  CHECK(off->input(x).equal(augment_reference(x.view({4, 3, 12, 12}), {}, {}, {}, 4)));
}

TEST_CASE("cnn learns a pixel-position rule", "[cnn][slow]") {
  // Label 0: the left half is bright; label 1: the bottom half is bright. No augmentation.
  torch::manual_seed(3);
  const int64_t n = 64;
  const torch::Tensor y = torch::randint(0, 2, {n, 2}, torch::kLong).to(torch::kFloat);
  torch::Tensor images = torch::randint(0, 60, {n, 1, 12, 12}, torch::kLong);
  using torch::indexing::Slice;
  for (int64_t i = 0; i < n; ++i) {
    if (y[i][0].item<float>() > 0) images.index({i, 0, Slice(), Slice(0, 6)}) += 150;
    if (y[i][1].item<float>() > 0) images.index({i, 0, Slice(6, 12), Slice()}) += 40;
  }
  const torch::Tensor x = images.clamp(0, 255).to(torch::kUInt8).view({n, 144});
  auto model =
      small_cnn(image_shape(1, 12, 12, 2, 5), {{"augment", "false"}, {"stem_stride", "1"}});
  model->train();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-2));
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    const TrainingOutput out = model->training_forward(x, y, {});
    opt.zero_grad();
    out.loss.backward();
    opt.step();
    (step == 0 ? first : last) = out.loss.item<double>();
  }
  CHECK(last < 0.5 * first);
}

TEST_CASE("cnn refuses a dataset of features", "[cnn]") {
  const ModelShape features{10, 3, {}, 0, {}};
  CHECK_THROWS_AS(make_cnn(Params("cnn", cnn_params().specs(), {}), features), InputError);
  CHECK_THROWS_WITH(make_cnn(Params("cnn", cnn_params().specs(), {}), features),
                    Catch::Contains("reads images"));
}
