// datasets/multi_fashion and datasets/image_folders: IDX files, multi-fashion canvases (fixture
// IDX files made here, and the real Fashion-MNIST when its package is installed), VOC folders and
// COCO files made here (PNG and JPEG written with stb_image_write), the pixel cache, and one clear
// error for each kind of bad input.
#include "tests/catch.h"

#include <stb_image_write.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "datasets/catalog.h"
#include "datasets/image_folders.h"
#include "datasets/multi_fashion.h"
#include "tests/support.h"

using namespace d2ace;
namespace fs = std::filesystem;

namespace {

void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) ==
          static_cast<int>(bytes.size()));
  gzclose(f);
}

std::vector<uint8_t> idx_header(std::vector<uint32_t> dims) {
  std::vector<uint8_t> h = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) h.push_back(static_cast<uint8_t>(d >> s));
  return h;
}

// Fashion-MNIST in miniature: per part, `per_class` 28 x 28 images of each class, every pixel of a
// training image 100 + class and of a test image 200 + class, so a canvas tells where its items
// came from.
std::string fixture_fashion(int per_class = 3) {
  const std::string dir = test::temp_path("fashion");
  fs::create_directories(dir);
  for (const std::string part : {"train", "t10k"}) {
    const int n = 10 * per_class;
    std::vector<uint8_t> images = idx_header({static_cast<uint32_t>(n), 28, 28}),
                         labels = idx_header({static_cast<uint32_t>(n)});
    for (int i = 0; i < n; ++i) {
      const int c = i % 10;
      labels.push_back(static_cast<uint8_t>(c));
      images.insert(images.end(), 28 * 28, static_cast<uint8_t>((part == "train" ? 100 : 200) + c));
    }
    write_gz(dir + "/" + part + "-images-idx3-ubyte.gz", images);
    write_gz(dir + "/" + part + "-labels-idx1-ubyte.gz", labels);
  }
  return dir;
}

void write_png(const std::string& path, int w, int h, std::array<uint8_t, 3> rgb) {
  std::vector<uint8_t> pixels;
  for (int i = 0; i < w * h; ++i) pixels.insert(pixels.end(), rgb.begin(), rgb.end());
  REQUIRE(stbi_write_png(path.c_str(), w, h, 3, pixels.data(), w * 3) != 0);
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

std::string voc_xml(const std::string& file, const std::vector<std::string>& classes) {
  std::string xml = "<annotation>\n  <filename>" + file + "</filename>\n";
  for (const auto& c : classes)
    xml += "  <object><name>" + c + "</name><bndbox><xmin>1</xmin></bndbox></object>\n";
  return xml + "</annotation>\n";
}

// A VOC folder: trainval a (dog, cat), b (person), c (dog); test d (cat, person, cat).
std::string fixture_voc() {
  const std::string dir = test::temp_path("voc");
  const std::map<std::string, std::vector<std::string>> objects = {
      {"a", {"dog", "cat"}}, {"b", {"person"}}, {"c", {"dog"}}, {"d", {"cat", "person", "cat"}}};
  for (const auto& [id, classes] : objects) {
    write_text(dir + "/Annotations/" + id + ".xml", voc_xml(id + ".png", classes));
    fs::create_directories(dir + "/JPEGImages");
    write_png(dir + "/JPEGImages/" + id + ".png", 10 + static_cast<int>(id[0] - 'a'), 7,
              {static_cast<uint8_t>(id[0]), 20, 30});
  }
  write_text(dir + "/ImageSets/Main/trainval.txt", "a\nb\nc\n");
  write_text(dir + "/ImageSets/Main/test.txt", "d\n");
  return dir;
}

}  // namespace

TEST_CASE("IDX files are read through zlib, and malformed ones are refused", "[images]") {
  const std::string path = test::temp_path("x.idx.gz");
  std::vector<uint8_t> bytes = idx_header({2, 3});
  for (uint8_t v : {1, 2, 3, 4, 5, 6}) bytes.push_back(v);
  write_gz(path, bytes);
  const IdxArray a = read_idx(path);
  CHECK(a.dims == std::vector<int64_t>{2, 3});
  CHECK(a.data == std::vector<uint8_t>{1, 2, 3, 4, 5, 6});

  bytes.pop_back();
  write_gz(path, bytes);
  CHECK_THROWS_WITH(read_idx(path), Catch::Contains("truncated"));
  write_gz(path, {1, 2, 3, 4});
  CHECK_THROWS_WITH(read_idx(path), Catch::Contains("not an IDX file"));
  write_gz(path, {0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0});
  CHECK_THROWS_WITH(read_idx(path), Catch::Contains("only unsigned bytes"));
  // Dimensions whose product would wrap a 64-bit size around are refused before allocating.
  write_gz(path, idx_header({0x80000000u, 0x80000000u, 0x80000000u}));
  CHECK_THROWS_WITH(read_idx(path), Catch::Contains("too large"));
}

TEST_CASE("multi-fashion canvases: sizes, splits, labels and seeds", "[images]") {
  const std::string dir = fixture_fashion();
  const MultiFashionSpec spec =
      parse_multi_fashion_name("multi-fashion:n=40,test=12,size=40,seed=3");
  CHECK(spec.size == 40);
  CHECK(spec.min_objects == 1);
  CHECK(spec.max_objects == 4);
  const Dataset ds = make_multi_fashion(spec, dir);
  REQUIRE(ds.rows() == 52);
  CHECK(ds.official_train_rows == 40);
  CHECK(ds.labels() == 10);
  CHECK(ds.image_shape == std::vector<int64_t>{1, 40, 40});
  CHECK(ds.X.scalar_type() == torch::kUInt8);
  CHECK(ds.X.size(1) == 1600);
  CHECK(ds.label_names.front() == "T-shirt/top");
  const torch::Tensor cardinality = ds.Y.sum(1);
  CHECK(cardinality.min().item<float>() >= 1);
  CHECK(cardinality.max().item<float>() <= 4);
  // Training canvases hold training items only, test canvases test items only; each canvas's
  // brightest pixel is one of its items, so its class is among the labels.
  for (int64_t i = 0; i < ds.rows(); ++i) {
    const int brightest = ds.X[i].max().item<int>();
    const int base = i < 40 ? 100 : 200;
    INFO("canvas " << i);
    REQUIRE(brightest >= base);
    REQUIRE(brightest < base + 10);
    CHECK(ds.Y[i][brightest - base].item<float>() == 1.0f);
  }
  // Same spec, same canvases; another seed, others.
  CHECK(make_multi_fashion(spec, dir).X.equal(ds.X));
  CHECK(!make_multi_fashion(parse_multi_fashion_name("multi-fashion:n=40,test=12,size=40,seed=4"),
                            dir)
             .X.equal(ds.X));
}

TEST_CASE("multi-fashion's co-occurrence prior draws outfits", "[images]") {
  const std::string dir = fixture_fashion();
  const Dataset ds = make_multi_fashion(
      parse_multi_fashion_name("multi-fashion:n=300,test=10,cooccurrence=1,objects=2-4"), dir);
  const std::vector<std::set<int64_t>> outfits = {
      {0, 1, 7}, {6, 1, 9, 8}, {3, 5, 8}, {4, 2, 1, 9}, {3, 4, 9, 8}, {6, 2, 1, 7}, {0, 5}};
  for (int64_t i = 0; i < ds.rows(); ++i) {
    std::set<int64_t> labels;
    for (int64_t c = 0; c < 10; ++c)
      if (ds.Y[i][c].item<float>() > 0) labels.insert(c);
    bool in_an_outfit = false;
    for (const auto& o : outfits)
      in_an_outfit =
          in_an_outfit || std::includes(o.begin(), o.end(), labels.begin(), labels.end());
    INFO("canvas " << i);
    REQUIRE(in_an_outfit);
  }
  // The casual outfit (weight 0.30) is far more common than the beach one (0.05): imbalance.
  const torch::Tensor positives = ds.Y.sum(0);
  CHECK(positives[1].item<float>() > 2 * positives[5].item<float>());
}

TEST_CASE("multi-fashion refuses bad specs and says which package it needs", "[images]") {
  CHECK_THROWS_WITH(parse_multi_fashion_name("multi-fashion:objects=3-1"),
                    Catch::Contains("objects"));
  CHECK_THROWS_WITH(parse_multi_fashion_name("multi-fashion:objects=two"),
                    Catch::Contains("is not MIN-MAX"));
  CHECK_THROWS_WITH(parse_multi_fashion_name("multi-fashion:size=20"), Catch::Contains("size"));
  CHECK_THROWS_WITH(parse_multi_fashion_name("multi-fashion:colour=red"),
                    Catch::Contains("colour"));
  CHECK_THROWS_WITH(make_multi_fashion({}, test::temp_path("no-fashion")),
                    Catch::Contains("apt-get install dataset-fashion-mnist"));
}

TEST_CASE("multi-fashion from Debian's Fashion-MNIST", "[images]") {
  if (!fs::exists(fashion_mnist_dir() + "/train-images-idx3-ubyte.gz")) {
    WARN("dataset-fashion-mnist is not installed; skipped (scripts/setup installs it)");
    return;
  }
  const Dataset ds = load_dataset({"multi-fashion:n=200,test=50", "", "", {}});
  CHECK(ds.rows() == 250);
  CHECK(ds.labels() == 10);
  CHECK(ds.name == "multi-fashion:n=200,test=50");
  CHECK(ds.X.max().item<int>() == 255);  // real images reach full white
}

TEST_CASE("voc:DIR reads a PASCAL VOC folder, with its official split", "[images]") {
  const std::string dir = fixture_voc(), data_dir = test::temp_path("voc-data");
  const Dataset ds = load_dataset({"voc:" + dir + ":size=8", "", data_dir, {}});
  REQUIRE(ds.rows() == 4);
  CHECK(ds.official_train_rows == 3);
  CHECK(ds.label_names == std::vector<std::string>{"cat", "dog", "person"});
  const torch::Tensor expected =
      torch::tensor({1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1}, torch::kFloat).view({4, 3});
  CHECK(ds.Y.equal(expected));
  CHECK(ds.image_shape == std::vector<int64_t>{3, 8, 8});
  // Channels in C, H, W order: image a is (97, 20, 30) everywhere.
  CHECK((ds.X[0].slice(0, 0, 64) == 97).all().item<bool>());
  CHECK((ds.X[0].slice(0, 64, 128) == 20).all().item<bool>());
  CHECK((ds.X[0].slice(0, 128, 192) == 30).all().item<bool>());

  // The cache: written once, then read instead of decoding (shown by changing its pixels).
  std::vector<fs::path> caches;
  for (const auto& e : fs::directory_iterator(data_dir + "/image-cache"))
    caches.push_back(e.path());
  REQUIRE(caches.size() == 1);
  {
    std::fstream f(caches[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put(static_cast<char>(7));
  }
  const Dataset cached = load_dataset({"voc:" + dir + ":size=8", "", data_dir, {}});
  CHECK(cached.X[3][191].item<int>() == 7);
  CHECK(cached.Y.equal(ds.Y));
  // Another size is another cache entry.
  CHECK(load_dataset({"voc:" + dir + ":size=10", "", data_dir, {}}).X.size(1) == 300);
}

TEST_CASE("voc:DIR gives one clear error for each kind of bad input", "[images]") {
  const std::string data_dir = test::temp_path("voc-bad-data");
  auto load = [&](const std::string& dir) {
    return load_dataset({"voc:" + dir, "", data_dir, {}});
  };
  {
    const std::string dir = fixture_voc();
    fs::remove(dir + "/Annotations/b.xml");
    CHECK_THROWS_WITH(load(dir),
                      Catch::Contains("b.xml: not found") && Catch::Contains("trainval.txt"));
  }
  {
    const std::string dir = fixture_voc();
    fs::remove(dir + "/JPEGImages/c.png");
    CHECK_THROWS_WITH(load(dir), Catch::Contains("c.xml: names the image") &&
                                     Catch::Contains("which does not exist"));
  }
  {
    const std::string dir = fixture_voc();
    write_text(dir + "/JPEGImages/a.png", "not an image");
    CHECK_THROWS_WITH(load(dir), Catch::Contains("a.png: cannot decode the image"));
  }
  {
    const std::string dir = fixture_voc();
    write_text(dir + "/ImageSets/Main/trainval.txt", "\n\n");
    CHECK_THROWS_WITH(load(dir), Catch::Contains("trainval.txt: lists no image"));
  }
  {
    const std::string dir = fixture_voc();
    write_text(dir + "/Annotations/a.xml", "<annotation><object><name>dog</name></annotation>");
    CHECK_THROWS_WITH(load(dir), Catch::Contains("a.xml:1: malformed XML"));
  }
  {
    const std::string dir = fixture_voc();
    write_text(dir + "/Annotations/a.xml",
               "<annotation>\n<object><pose>x</pose></object></annotation>");
    CHECK_THROWS_WITH(load(dir), Catch::Contains("a.xml:2: an <object> without a <name>"));
  }
  CHECK_THROWS_WITH(load(test::temp_path("no-such-voc")), Catch::Contains("is not a folder"));
  CHECK_THROWS_AS(load_dataset({"voc:" + fixture_voc() + ":size=2", "", data_dir, {}}), InputError);
}

TEST_CASE("coco:FILE reads a COCO instances file", "[images]") {
  const std::string dir = test::temp_path("coco");
  fs::create_directories(dir);
  write_png(dir + "/one.png", 5, 5, {1, 2, 3});
  std::vector<uint8_t> rgb(4 * 6 * 3, 9);
  REQUIRE(stbi_write_jpg((dir + "/two.jpg").c_str(), 4, 6, 3, rgb.data(), 90) != 0);
  write_png(dir + "/three.png", 3, 3, {7, 7, 7});
  const std::string json = R"({
    "images": [{"id": 10, "file_name": "one.png"}, {"id": 4, "file_name": "two.jpg"},
               {"id": 7, "file_name": "three.png"}],
    "annotations": [{"image_id": 10, "category_id": 5}, {"image_id": 10, "category_id": 2},
                    {"image_id": 4, "category_id": 5}, {"image_id": 10, "category_id": 5}],
    "categories": [{"id": 5, "name": "zebra"}, {"id": 2, "name": "apple"}, {"id": 9, "name": "kite"}]
  })";
  write_text(dir + "/instances.json", json);
  const Dataset ds = load_dataset({"coco:" + dir + "/instances.json:size=8", "", dir, {}});
  REQUIRE(ds.rows() == 3);
  CHECK(ds.official_train_rows == -1);
  CHECK(ds.label_names == std::vector<std::string>{"apple", "zebra", "kite"});  // in id order
  CHECK(ds.Y.equal(torch::tensor({1, 1, 0, 0, 1, 0, 0, 0, 0}, torch::kFloat).view({3, 3})));
  CHECK(ds.X.size(1) == 192);
  const auto inspected =
      test::run_cli("inspect 'coco:" + dir + "/instances.json:size=8' --json --data-dir " + dir);
  REQUIRE(inspected.exit_code == 0);
  const auto j = nlohmann::json::parse(inspected.out);
  CHECK(j["instances"] == 3);
  CHECK(j["labels"] == 3);
  CHECK(j["positives_per_label"] == nlohmann::json::array({1, 2, 0}));
  CHECK(j["labels_without_positives"] == 1);
  CHECK(j["instances_without_labels"] == 1);
  CHECK(j["official_split"].is_null());

  auto with = [&](const std::string& text) {
    write_text(dir + "/bad.json", text);
    return load_dataset({"coco:" + dir + "/bad.json", "", dir, {}});
  };
  CHECK_THROWS_WITH(with(R"({"images": [{"id": 1, "file_name": "one.png"}],
                             "annotations": [{"image_id": 2, "category_id": 5}],
                             "categories": [{"id": 5, "name": "z"}]})"),
                    Catch::Contains("names image id 2, which \"images\" does not list"));
  CHECK_THROWS_WITH(with(R"({"images": [{"id": 1, "file_name": "one.png"}],
                             "annotations": [{"image_id": 1, "category_id": 6}],
                             "categories": [{"id": 5, "name": "z"}]})"),
                    Catch::Contains("names category id 6"));
  CHECK_THROWS_WITH(with(R"({"images": [{"id": 1, "file_name": "gone.png"}],
                             "annotations": [], "categories": [{"id": 5, "name": "z"}]})"),
                    Catch::Contains("gone.png: image not found"));
  CHECK_THROWS_WITH(with(R"({"images": [], "annotations": [], "categories": []})"),
                    Catch::Contains("lists no image"));
  CHECK_THROWS_WITH(with(R"({"images": [{"id": 1, "file_name": "one.png"}], "annotations": [],
                             "categories": []})"),
                    Catch::Contains("its annotations name no class"));
  CHECK_THROWS_WITH(with(R"({"images": [{"id": 1}], "annotations": [], "categories": []})"),
                    Catch::Contains("image 0 has no string \"file_name\""));
  CHECK_THROWS_WITH(with("{\"images\": ["), Catch::Contains("not valid JSON"));
  // fuzz_coco's finding: a number beyond double's range threw nlohmann's out_of_range.
  CHECK_THROWS_WITH(with("44444444444444444444444444E4444444444444444.444"),
                    Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(load_dataset({"coco:" + dir + "/missing.json", "", dir, {}}),
                    Catch::Contains("missing.json not found"));
}

TEST_CASE("inspect reports an image folder's counts", "[images]") {
  const std::string voc = fixture_voc();
  const auto r = test::run_cli("inspect 'voc:" + voc + ":size=8' --json --data-dir " +
                               test::temp_path("inspect-data"));
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["instances"] == 4);
  CHECK(j["labels"] == 3);
  CHECK(j["image"] == nlohmann::json::array({3, 8, 8}));
  CHECK(j["positives_per_label"] == nlohmann::json::array({2, 2, 2}));
  CHECK(j["official_split"]["train"]["instances"] == 3);
  CHECK(j["official_split"]["test"]["instances"] == 1);
  CHECK(j["cardinality"].get<double>() == Approx(1.5));

  const auto text =
      test::run_cli("inspect 'voc:" + voc + "' --data-dir " + test::temp_path("inspect-data"));
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("3 x 64 x 64"));
  const auto bad = test::run_cli("inspect voc:" + test::temp_path("nothing-here"));
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("is not a folder"));
}

TEST_CASE("run trains cnn on multi-fashion pixels, and mlp on them as features", "[images][slow]") {
  if (!fs::exists(fashion_mnist_dir() + "/train-images-idx3-ubyte.gz")) {
    WARN("dataset-fashion-mnist is not installed; skipped (scripts/setup installs it)");
    return;
  }
  const std::string data = "'multi-fashion:n=80,test=20,size=32'";
  const std::string cnn = test::temp_path("cnn.json"), mlp = test::temp_path("mlp.json");
  const auto r = test::run_cli("run --dataset " + data +
                               " --protocol image --model-param width=4 --selector d2ace "
                               "--selector-param warmup=1 --fold 0 --epochs 2 --quiet --out " +
                               cnn);
  REQUIRE(r.exit_code == 0);
  const auto report = nlohmann::json::parse(test::slurp(cnn))["cells"][0];
  CHECK(report["status"]["state"] == "done");
  CHECK(report["identity"]["dataset"]["image"] == nlohmann::json::array({1, 32, 32}));
  CHECK(report["identity"]["model"]["name"] == "cnn");
  CHECK(report["identity"]["trainer"]["batch_size"] == 64);
  CHECK_THAT(report["identity"]["preprocessing"]["scaling"].get<std::string>(),
             Catch::Contains("pixels"));
  const auto m =
      test::run_cli("run --dataset " + data + " --fold 0 --epochs 1 --quiet --out " + mlp);
  REQUIRE(m.exit_code == 0);
  const auto tabular = nlohmann::json::parse(test::slurp(mlp))["cells"][0]["identity"]["dataset"];
  CHECK(tabular["features"] == 1024);
  CHECK(!tabular.contains("image"));
  CHECK_THAT(tabular["notices"].dump(), Catch::Contains("pixels read as features"));
}
