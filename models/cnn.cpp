#include "models/cnn.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/nn/functional/padding.h>

#include "core/error.h"
#include "models/layers.h"

namespace d2ace {
namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

// x / 127.5 - 1, written as the reference computes it (a float division, then a subtraction).
inline float normalise(uint8_t v) { return static_cast<float>(v) / 127.5f - 1.0f; }

}  // namespace

torch::Tensor augment_reference(const torch::Tensor& pixels, const torch::Tensor& dy,
                                const torch::Tensor& dx, const torch::Tensor& flip,
                                int64_t padding) {
  if (!dy.defined()) return pixels.to(torch::kFloat).div(127.5).sub(1);
  const int64_t b = pixels.size(0), h = pixels.size(2), w = pixels.size(3);
  const auto index = torch::TensorOptions().dtype(torch::kLong).device(pixels.device());
  const torch::Tensor padded =
      torch::constant_pad_nd(pixels, {padding, padding, padding, padding}, 0);
  const torch::Tensor rows = dy.to(index).unsqueeze(1) + torch::arange(h, index);  // [b, H]
  const torch::Tensor columns = torch::arange(w, index);
  const torch::Tensor mirrored = columns.neg().add(w - 1);
  const torch::Tensor cols =
      dx.to(index).unsqueeze(1) +
      torch::where(flip.to(index).unsqueeze(1).to(torch::kBool), mirrored, columns);  // [b, W]
  using torch::indexing::Slice;
  // The advanced indices around the channel slice put it last: [b, H, W, C].
  const torch::Tensor crops = padded.index(
      {torch::arange(b, index).view({b, 1, 1}), Slice(), rows.unsqueeze(2), cols.unsqueeze(1)});
  return crops.permute({0, 3, 1, 2}).to(torch::kFloat).div(127.5).sub(1).contiguous();
}

torch::Tensor augment_cpu(const torch::Tensor& pixels_in, const torch::Tensor& dy_in,
                          const torch::Tensor& dx_in, const torch::Tensor& flip_in,
                          int64_t padding) {
  const torch::Tensor pixels = pixels_in.contiguous();
  const int64_t b = pixels.size(0), channels = pixels.size(1), h = pixels.size(2),
                w = pixels.size(3);
  torch::Tensor out = torch::empty({b, channels, h, w}, torch::kFloat);
  const bool augment = dy_in.defined();
  torch::Tensor dy, dx, flip;
  if (augment) {
    dy = dy_in.to(torch::kLong).contiguous();
    dx = dx_in.to(torch::kLong).contiguous();
    flip = flip_in.to(torch::kLong).contiguous();
  }
  const uint8_t* in = pixels.data_ptr<uint8_t>();
  float* o = out.data_ptr<float>();
  const int64_t* oy = augment ? dy.data_ptr<int64_t>() : nullptr;
  const int64_t* ox = augment ? dx.data_ptr<int64_t>() : nullptr;
  const int64_t* mirror = augment ? flip.data_ptr<int64_t>() : nullptr;
  at::parallel_for(0, b, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t shift_y = augment ? oy[i] - padding : 0,
                    shift_x = augment ? ox[i] - padding : 0;
      const bool flipped = augment && mirror[i] != 0;
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t y = 0; y < h; ++y) {
          float* row = o + ((i * channels + c) * h + y) * w;
          const int64_t sy = y + shift_y;
          if (sy < 0 || sy >= h) {
            for (int64_t x = 0; x < w; ++x) row[x] = -1.0f;
            continue;
          }
          const uint8_t* source = in + ((i * channels + c) * h + sy) * w;
          if (!flipped && shift_x == 0) {  // the common case, vectorised
            for (int64_t x = 0; x < w; ++x) row[x] = normalise(source[x]);
            continue;
          }
          for (int64_t x = 0; x < w; ++x) {
            const int64_t sx = (flipped ? w - 1 - x : x) + shift_x;
            row[x] = sx >= 0 && sx < w ? normalise(source[sx]) : -1.0f;
          }
        }
    }
  });
  return out;
}

BasicBlockImpl::BasicBlockImpl(int64_t in, int64_t out, int64_t stride) {
  conv1_ = register_module("conv1", conv(in, out, 3, stride));
  bn1_ = register_module("bn1", torch::nn::BatchNorm2d(out));
  conv2_ = register_module("conv2", conv(out, out, 3, 1));
  bn2_ = register_module("bn2", torch::nn::BatchNorm2d(out));
  if (stride != 1 || in != out) {
    shortcut_ = register_module("shortcut", conv(in, out, 1, stride));
    shortcut_bn_ = register_module("shortcut_bn", torch::nn::BatchNorm2d(out));
  }
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = torch::relu(bn1_(conv1_(x)));
  h = bn2_(conv2_(h));
  return torch::relu(h + (shortcut_ ? shortcut_bn_(shortcut_(x)) : x));
}

CnnImpl::CnnImpl(const ModelShape& shape, const CnnOptions& o)
    : image_(shape.image),
      options_(o),
      generator_(at::make_generator<at::CPUGeneratorImpl>(shape.seed)) {
  stem_ = register_module("stem", conv(image_[0], o.width, 3, o.stem_stride));
  stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(o.width));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  int64_t width = o.width;
  for (size_t stage = 0; stage < o.blocks.size(); ++stage) {
    const int64_t out = o.width << stage;
    for (int64_t k = 0; k < o.blocks[stage]; ++k) {
      blocks_->push_back(BasicBlock(width, out, k == 0 && stage > 0 ? 2 : 1));
      width = out;
    }
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(o.dropout));
  output_ = register_module("output", torch::nn::Linear(width, shape.labels));
}

torch::Tensor CnnImpl::input(const torch::Tensor& x) {
  const torch::Tensor pixels = x.reshape({x.size(0), image_[0], image_[1], image_[2]});
  torch::Tensor dy, dx, flip;
  if (is_training() && options_.augment) {
    const int64_t b = x.size(0);
    dy = torch::randint(0, 2 * options_.crop_padding + 1, {b}, generator_, torch::kLong);
    dx = torch::randint(0, 2 * options_.crop_padding + 1, {b}, generator_, torch::kLong);
    flip = torch::randint(0, 2, {b}, generator_, torch::kLong);
  }
  if (pixels.is_cpu() && pixels.scalar_type() == torch::kUInt8)
    return augment_cpu(pixels, dy, dx, flip, options_.crop_padding);
  return augment_reference(pixels, dy, dx, flip, options_.crop_padding);
}

torch::Tensor CnnImpl::network(const torch::Tensor& images) {
  torch::Tensor h = torch::relu(stem_bn_(stem_(images)));
  for (const auto& block : *blocks_) h = block->as<BasicBlock>()->forward(h);
  return output_(dropout_(h.mean({2, 3})));
}

torch::Tensor CnnImpl::forward(const torch::Tensor& x) { return network(input(x)); }

TrainingOutput CnnImpl::training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                         const torch::Tensor& weights) {
  return bce_training_output(forward(x), y, weights);
}

const ParamTable<CnnOptions>& cnn_params() {
  static const auto table =
      ParamTable<CnnOptions>()
          .field("width", &CnnOptions::width, "channels of the first stage (then x2, x4, x8)")
          .field("blocks", &CnnOptions::blocks, "basic blocks per stage (ResNet-18: 2,2,2,2)")
          .field("stem_stride", &CnnOptions::stem_stride,
                 "stride of the stem convolution (2 halves 64x64 canvases to 32x32)")
          .field("augment", &CnnOptions::augment,
                 "random crop with padding and horizontal flip while training")
          .field("crop_padding", &CnnOptions::crop_padding, "padding of the random crop, pixels")
          .field("dropout", &CnnOptions::dropout, "dropout before the output layer");
  return table;
}

std::shared_ptr<MultiLabelModel> make_cnn(const Params& p, const ModelShape& shape) {
  const CnnOptions o = cnn_params().fill(p);
  check_dropout(o.dropout, "cnn");
  if (shape.image.size() != 3)
    throw InputError(
        "model 'cnn' reads images, and this dataset has features (use multi-fashion, voc:DIR or "
        "coco:FILE.json, or a tabular model)");
  if (o.width < 1 || o.stem_stride < 1 || o.crop_padding < 0 || o.blocks.empty() ||
      o.blocks.size() > 6)
    throw InputError(
        "model 'cnn': need width >= 1, stem_stride >= 1, crop_padding >= 0 and 1 to 6 stages");
  return std::make_shared<CnnImpl>(shape, o);
}

}  // namespace d2ace
