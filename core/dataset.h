// The in-memory multi-label dataset every part of the suite exchanges.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace d2ace {

// X is dense float32 [n, d]; Y is float32 [n, q] with entries in {0, 1}. Rows are instances.
// An image dataset keeps its pixels instead: X is uint8 [n, C*H*W] (each row an image in C, H, W
// order, so rows split, gather and index like features) and `image_shape` is {C, H, W}.
// Where a dataset ships an official train/test split, the training rows come first and
// `official_train_rows` says how many there are (-1: no official split).
struct Dataset {
  std::string name;
  torch::Tensor X;
  torch::Tensor Y;
  std::vector<std::string> feature_names;  // one per column of X (after encoding)
  std::vector<std::string> label_names;    // one per column of Y
  int64_t feature_attributes = 0;          // feature attributes in the source, before encoding
  int64_t official_train_rows = -1;
  std::vector<std::string> notices;  // what loading changed, for the user to see
  std::vector<int64_t> image_shape;  // {C, H, W} for an image dataset, else empty

  int64_t rows() const { return X.defined() ? X.size(0) : 0; }
  int64_t features() const { return X.defined() ? X.size(1) : 0; }
  int64_t labels() const { return Y.defined() ? Y.size(1) : 0; }
  bool has_official_split() const { return official_train_rows >= 0; }
  bool is_image() const { return !image_shape.empty(); }
};

// The rows `index` (int64, any order) of a dataset, as a new dataset with the same columns.
Dataset take_rows(const Dataset& data, const torch::Tensor& index);

}  // namespace d2ace
