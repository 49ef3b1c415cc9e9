// The image track's input stage: a batch of 64 multi-fashion-sized canvases (1 x 64 x 64 uint8)
// normalised, cropped out of a 4-pixel padding and flipped, by the cnn's fused CPU kernel and by
// its tensor-operation reference; and the cnn's training step on that batch (forward, BCE,
// backward), the images per second `--protocol image` trains at.
#include <benchmark/benchmark.h>
#include <torch/optim/adam.h>

#include "models/cnn.h"

namespace {

struct Batch {
  torch::Tensor pixels, dy, dx, flip;
};

Batch batch(int64_t b) {
  torch::manual_seed(1);
  return {torch::randint(0, 256, {b, 1, 64, 64}, torch::kLong).to(torch::kUInt8),
          torch::randint(0, 9, {b}, torch::kLong), torch::randint(0, 9, {b}, torch::kLong),
          torch::randint(0, 2, {b}, torch::kLong)};
}

// `augment` is augment_cpu or augment_reference.
void BM_Augment(benchmark::State& state, decltype(&d2ace::augment_cpu) augment) {
  const Batch x = batch(64);
  for (auto _ : state) benchmark::DoNotOptimize(augment(x.pixels, x.dy, x.dx, x.flip, 4));
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK_CAPTURE(BM_Augment, fused, &d2ace::augment_cpu)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Augment, reference, &d2ace::augment_reference)->Unit(benchmark::kMicrosecond);

void BM_CnnTrainingStep(benchmark::State& state) {
  const int64_t b = 64;
  torch::manual_seed(2);
  d2ace::CnnImpl model({64 * 64, 10, {}, 3, {1, 64, 64}}, d2ace::CnnOptions{});
  torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(1e-3));
  const torch::Tensor x = batch(b).pixels.view({b, 64 * 64});
  const torch::Tensor y = torch::randint(0, 2, {b, 10}, torch::kLong).to(torch::kFloat);
  model.train();
  for (auto _ : state) {
    const d2ace::TrainingOutput out = model.training_forward(x, y, {});
    opt.zero_grad();
    out.loss.backward();
    opt.step();
  }
  state.SetItemsProcessed(state.iterations() * b);
}
BENCHMARK(BM_CnnTrainingStep)->Unit(benchmark::kMillisecond);

}  // namespace
