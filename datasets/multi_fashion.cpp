#include "datasets/multi_fashion.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>

#include "core/error.h"
#include "core/params.h"

namespace d2ace {
namespace {

constexpr int64_t kItem = 28;  // Fashion-MNIST's image side
constexpr int64_t kClasses = 10;
const char* const kClassNames[kClasses] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                           "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                           "Bag",         "Ankle boot"};

struct Outfit {
  const char* name;
  double weight;
  std::vector<int64_t> classes;
};
const std::vector<Outfit>& outfits() {
  static const std::vector<Outfit> list = {
      {"casual", 0.30, {0, 1, 7}},     {"office", 0.20, {6, 1, 9, 8}},
      {"summer", 0.15, {3, 5, 8}},     {"winter", 0.12, {4, 2, 1, 9}},
      {"evening", 0.10, {3, 4, 9, 8}}, {"layered", 0.08, {6, 2, 1, 7}},
      {"beach", 0.05, {0, 5}}};
  return list;
}

uint32_t big_endian(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// One part of Fashion-MNIST: images [n, 28*28] and their classes.
struct Part {
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> classes;
  std::array<std::vector<int64_t>, kClasses> by_class;  // image indices of each class
};

Part read_part(const std::string& images_path, const std::string& labels_path) {
  IdxArray images = read_idx(images_path), labels = read_idx(labels_path);
  if (images.dims.size() != 3 || images.dims[1] != kItem || images.dims[2] != kItem)
    throw InputError(images_path + ": expected images of 28 x 28 pixels");
  if (labels.dims.size() != 1 || labels.dims[0] != images.dims[0])
    throw InputError(labels_path + ": expected one class per image of " + images_path);
  Part part;
  part.pixels = std::move(images.data);
  part.classes = std::move(labels.data);
  for (size_t i = 0; i < part.classes.size(); ++i) {
    if (part.classes[i] >= kClasses)
      throw InputError(labels_path + ": image " + std::to_string(i) + " has class " +
                       std::to_string(part.classes[i]) + " (expected 0..9)");
    part.by_class[part.classes[i]].push_back(static_cast<int64_t>(i));
  }
  for (int64_t c = 0; c < kClasses; ++c)
    if (part.by_class[c].empty())
      throw InputError(labels_path + ": no image of class " + std::to_string(c));
  return part;
}

int64_t overlap(int64_t ax, int64_t ay, int64_t bx, int64_t by) {
  const int64_t w = std::max<int64_t>(0, kItem - std::abs(ax - bx)),
                h = std::max<int64_t>(0, kItem - std::abs(ay - by));
  return w * h;
}

// Draws `count` canvases from `part` into rows [first, first + count) of X and Y.
void draw_canvases(const Part& part, const MultiFashionSpec& s, std::mt19937_64& rng, int64_t first,
                   int64_t count, uint8_t* x, float* y) {
  std::uniform_int_distribution<int64_t> objects(s.min_objects, s.max_objects),
      position(0, s.size - kItem), any_class(0, kClasses - 1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> weights;
  for (const auto& o : outfits()) weights.push_back(o.weight);
  std::discrete_distribution<size_t> outfit(weights.begin(), weights.end());
  const auto limit = static_cast<int64_t>(s.max_overlap * kItem * kItem);
  for (int64_t r = first; r < first + count; ++r) {
    const int64_t k = objects(rng);
    std::vector<int64_t> classes;
    if (u(rng) < s.cooccurrence) {
      classes = outfits()[outfit(rng)].classes;
      std::shuffle(classes.begin(), classes.end(), rng);
      if (static_cast<int64_t>(classes.size()) > k) classes.resize(static_cast<size_t>(k));
    } else {
      for (int64_t i = 0; i < k; ++i) classes.push_back(any_class(rng));
    }
    uint8_t* canvas = x + r * s.size * s.size;
    std::vector<std::pair<int64_t, int64_t>> placed;
    for (int64_t c : classes) {
      const auto& pool = part.by_class[static_cast<size_t>(c)];
      const int64_t image = pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng)];
      int64_t best_x = 0, best_y = 0, best = -1;
      for (int attempt = 0; attempt < 100 && best != 0; ++attempt) {
        const int64_t px = position(rng), py = position(rng);
        int64_t worst = 0;
        for (const auto& [qx, qy] : placed) worst = std::max(worst, overlap(px, py, qx, qy));
        if (best < 0 || worst < best) best_x = px, best_y = py, best = worst;
        if (worst <= limit) break;
      }
      placed.emplace_back(best_x, best_y);
      const uint8_t* item = part.pixels.data() + image * kItem * kItem;
      for (int64_t i = 0; i < kItem; ++i)
        for (int64_t j = 0; j < kItem; ++j) {
          uint8_t& p = canvas[(best_y + i) * s.size + best_x + j];
          p = std::max(p, item[i * kItem + j]);
        }
      y[r * kClasses + c] = 1.0f;
    }
  }
}

}  // namespace

std::string fashion_mnist_dir() {
  if (const char* env = std::getenv("D2ACE_FASHION_MNIST_DIR"); env && *env) return env;
  return "/usr/share/datasets/fashion-mnist";
}

IdxArray read_idx(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) throw InputError(path + ": cannot open");
  auto read = [&](void* into, size_t bytes) {
    size_t done = 0;
    while (done < bytes) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes - done, 1u << 30));
      const int got = gzread(file.get(), static_cast<uint8_t*>(into) + done, chunk);
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    return true;
  };
  uint8_t magic[4];
  if (!read(magic, 4) || magic[0] != 0 || magic[1] != 0)
    throw InputError(path + ": not an IDX file (bad magic number)");
  if (magic[2] != 0x08)
    throw InputError(path + ": IDX element type " + std::to_string(magic[2]) +
                     " (only unsigned bytes, 0x08, are read)");
  IdxArray out;
  size_t total = 1;
  for (int d = 0; d < magic[3]; ++d) {
    uint8_t size[4];
    if (!read(size, 4)) throw InputError(path + ": truncated IDX header");
    const size_t dim = big_endian(size);
    out.dims.push_back(static_cast<int64_t>(dim));
    if (dim != 0 && total > (size_t{1} << 34) / dim)  // checked before it could wrap around
      throw InputError(path + ": IDX array too large");
    total *= dim;
  }
  if (out.dims.empty()) throw InputError(path + ": IDX array without dimensions");
  out.data.resize(total);
  if (!read(out.data.data(), total))
    throw InputError(path + ": truncated (" + std::to_string(total) + " bytes expected)");
  return out;
}

std::vector<std::string> multi_fashion_files(const std::string& dir) {
  std::vector<std::string> paths;
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    paths.push_back(dir + "/" + f);
    if (!std::filesystem::exists(paths.back()))
      throw InputError("dataset 'multi-fashion': " + paths.back() +
                       " not found (install Debian's dataset-fashion-mnist: apt-get install "
                       "dataset-fashion-mnist; or point D2ACE_FASHION_MNIST_DIR at its files)");
  }
  return paths;
}

bool is_multi_fashion_name(const std::string& name) {
  return name == "multi-fashion" || name.rfind("multi-fashion:", 0) == 0;
}

namespace {

// "MIN-MAX" or "N" -> the spec's item counts; false when the text is neither.
bool parse_objects(const std::string& text, MultiFashionSpec& s) {
  const size_t dash = text.find('-');
  auto number = [](const std::string& t, int64_t& out) {
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc() && end == t.data() + t.size();
  };
  if (!number(text.substr(0, dash), s.min_objects)) return false;
  if (dash == std::string::npos) return number(text, s.max_objects);
  return number(text.substr(dash + 1), s.max_objects);
}

const ParamTable<MultiFashionSpec>& multi_fashion_params() {
  static const auto table =
      ParamTable<MultiFashionSpec>()
          .field("n", &MultiFashionSpec::n, "training canvases (from the training images)")
          .field("test", &MultiFashionSpec::test, "test canvases (from the test images)")
          .field("size", &MultiFashionSpec::size, "canvas side in pixels (28 to 512)")
          .custom({"objects", "1-4", "items per canvas, MIN-MAX (1 to 8)"},
                  [](MultiFashionSpec& s, const Params& p) {
                    const std::string& text = p.get_string("objects");
                    if (!parse_objects(text, s))
                      throw InputError(p.owner() + ": objects='" + text +
                                       "' is not MIN-MAX (e.g. 1-4)");
                  })
          .field("cooccurrence", &MultiFashionSpec::cooccurrence,
                 "probability that a canvas is an outfit")
          .field("overlap", &MultiFashionSpec::max_overlap,
                 "largest overlap of two items, of an item's area")
          .field("seed", &MultiFashionSpec::seed, "generator seed");
  return table;
}

}  // namespace

MultiFashionSpec parse_multi_fashion_name(const std::string& name) {
  const std::string owner = "dataset '" + name + "'";
  const MultiFashionSpec s = multi_fashion_params().fill(
      Params(owner, multi_fashion_params().specs(), Params::parse_spec(name, "multi-fashion")));
  if (s.n < 10 || s.test < 1 || s.size < kItem || s.size > 512 || s.min_objects < 1 ||
      s.max_objects < s.min_objects || s.max_objects > 8 || !(s.cooccurrence >= 0) ||
      s.cooccurrence > 1 || !(s.max_overlap >= 0) || s.max_overlap > 1)
    throw InputError(owner +
                     ": need n >= 10, test >= 1, size in 28..512, objects MIN-MAX within 1..8, "
                     "cooccurrence and overlap in [0, 1]");
  return s;
}

Dataset make_multi_fashion(const MultiFashionSpec& s, const std::string& dir) {
  const std::vector<std::string> files = multi_fashion_files(dir);
  const Part train = read_part(files[0], files[1]), test = read_part(files[2], files[3]);
  const int64_t rows = s.n + s.test;
  torch::Tensor X = torch::zeros({rows, s.size * s.size}, torch::kUInt8);
  torch::Tensor Y = torch::zeros({rows, kClasses}, torch::kFloat);
  std::mt19937_64 rng(s.seed);
  draw_canvases(train, s, rng, 0, s.n, X.data_ptr<uint8_t>(), Y.data_ptr<float>());
  draw_canvases(test, s, rng, s.n, s.test, X.data_ptr<uint8_t>(), Y.data_ptr<float>());
  Dataset ds;
  ds.name = "multi-fashion";
  ds.X = X;
  ds.Y = Y;
  ds.image_shape = {1, s.size, s.size};
  ds.feature_attributes = s.size * s.size;
  ds.official_train_rows = s.n;
  ds.label_names.assign(kClassNames, kClassNames + kClasses);
  return ds;
}

}  // namespace d2ace
