// cnn: a ResNet-style network for small images, the image track's backbone (trained from scratch:
// no pretrained weights are available offline).
//
// The ResNet-18 layout (He et al., CVPR 2016) for small inputs, as CIFAR-style ResNets build it:
// a 3x3 stem convolution (stride `stem_stride`) -> BatchNorm -> ReLU, then four stages of
// `blocks` basic blocks (3x3 conv -> BN -> ReLU -> 3x3 conv -> BN, plus the identity or a 1x1
// conv + BN shortcut when the shape changes, -> ReLU) of widths width, 2 width, 4 width, 8 width
// with strides 1, 2, 2, 2 -> global average pooling -> dropout -> Linear to q logits; loss = mean
// per-entry BCE, like every backbone, so every selector works unchanged. Convolutions start from
// LibTorch's defaults (Kaiming uniform), BatchNorm from weight 1 and bias 0.
//
// Input rows are uint8 pixels [b, C*H*W] (ModelShape::image = {C, H, W}), mapped to [-1, 1]
// (x / 127.5 - 1) per batch. In training mode each image is augmented first, when `augment`:
// a random crop of H x W out of the image padded by `crop_padding` zero pixels (-1 after
// normalising) on every side, and a horizontal flip with probability 1/2, drawn from the model's
// own seeded generator, so a run is reproducible. Evaluation sees the images as they are.
// Defaults: width 16, blocks 2,2,2,2, stem_stride 2, augment true, crop_padding 4, dropout 0.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/model.h"

namespace d2ace {

struct CnnOptions {
  int64_t width = 16;
  std::vector<int64_t> blocks{2, 2, 2, 2};
  int64_t stem_stride = 2;
  bool augment = true;
  int64_t crop_padding = 4;
  double dropout = 0.0;
};

// The input stage, two ways that give the same floats: pixels uint8 [b, C, H, W], per image a
// crop offset (dy, dx in [0, 2 padding]) and a flip flag (int64 [b] each) -> float [b, C, H, W]
// in [-1, 1]. The reference is tensor operations (any device); the fused kernel one pass over
// contiguous CPU memory (at::parallel_for over images). Undefined offsets: no augmentation.
torch::Tensor augment_reference(const torch::Tensor& pixels, const torch::Tensor& dy,
                                const torch::Tensor& dx, const torch::Tensor& flip,
                                int64_t padding);
torch::Tensor augment_cpu(const torch::Tensor& pixels, const torch::Tensor& dy,
                          const torch::Tensor& dx, const torch::Tensor& flip, int64_t padding);

class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, shortcut_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, shortcut_bn_{nullptr};
};
TORCH_MODULE(BasicBlock);

class CnnImpl : public MultiLabelModel {
 public:
  CnnImpl(const ModelShape& shape, const CnnOptions& o);
  torch::Tensor forward(const torch::Tensor& x) override;
  TrainingOutput training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                  const torch::Tensor& weights) override;
  // Pixels [b, C*H*W] -> the network's input [b, C, H, W]: augmented in training mode.
  torch::Tensor input(const torch::Tensor& x);

 private:
  torch::Tensor network(const torch::Tensor& images);
  std::vector<int64_t> image_;
  CnnOptions options_;
  at::Generator generator_;
  torch::nn::Conv2d stem_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear output_{nullptr};
};
TORCH_MODULE(Cnn);

const ParamTable<CnnOptions>& cnn_params();
std::shared_ptr<MultiLabelModel> make_cnn(const Params& p, const ModelShape& shape);

}  // namespace d2ace
