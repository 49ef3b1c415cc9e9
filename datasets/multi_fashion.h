// multi-fashion: multi-object canvases made from real Fashion-MNIST images, the image track's
// built-in dataset (needs Debian's `dataset-fashion-mnist`, read from its gzipped IDX files).
//
// A canvas (size x size, greyscale) holds between `min_objects` and `max_objects` items, each a
// 28 x 28 Fashion-MNIST image placed at a random position (jitter) such that no two items overlap
// by more than `max_overlap` of an item's area where a free place is found in 100 tries (else the
// least-overlapping place tried); items are combined by the pixel-wise maximum (white on black).
// Its labels are the classes present. Training canvases use only training items and test canvases
// only test items (Fashion-MNIST's official split): the first `n` rows are the training part.
//
// With probability `cooccurrence` a canvas is an "outfit": one of seven outfits is drawn with
// fixed, unequal weights (casual 0.30, office 0.20, summer 0.15, winter 0.12, evening 0.10,
// layered 0.08, beach 0.05) and the canvas holds a random subset of its classes, as many as the
// drawn number of items allows. Otherwise each item's class is uniform over the ten (repeats
// allowed). The prior makes labels correlated and imbalanced; 0 gives independent labels.
// Seeded and deterministic: the same spec gives the same canvases on the same build.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dataset.h"

namespace d2ace {

struct MultiFashionSpec {
  int64_t n = 5000;     // training canvases (from Fashion-MNIST's 60 000 training images)
  int64_t test = 1000;  // test canvases (from its 10 000 test images)
  int64_t size = 64;    // canvas side in pixels, at least 28
  int64_t min_objects = 1, max_objects = 4;
  double cooccurrence = 0.0;  // probability that a canvas is an outfit, in [0, 1]
  double max_overlap = 0.25;  // of an item's area, in [0, 1]
  uint64_t seed = 7;
};

// The folder of the IDX files: $D2ACE_FASHION_MNIST_DIR, else where the Debian package puts them.
std::string fashion_mnist_dir();

// The four IDX files in `dir` (training images and classes, then test); InputError naming a
// missing one and the package that installs them.
std::vector<std::string> multi_fashion_files(const std::string& dir);

bool is_multi_fashion_name(const std::string& name);
// "multi-fashion" or "multi-fashion:n=2000,size=48,objects=1-3,cooccurrence=0.8,seed=3" -> spec;
// throws InputError on a bad key or value.
MultiFashionSpec parse_multi_fashion_name(const std::string& name);
// Throws InputError naming the missing file and the package that installs it.
Dataset make_multi_fashion(const MultiFashionSpec& spec, const std::string& dir);

// An unsigned-byte IDX array (type 0x08), gzipped or plain (zlib reads both): its dimensions and
// its bytes in row-major order. Throws InputError naming the file on anything malformed.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};
IdxArray read_idx(const std::string& path);

}  // namespace d2ace
