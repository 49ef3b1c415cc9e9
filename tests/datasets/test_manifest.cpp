// Every dataset of shared/datasets loads with exactly the counts MANIFEST.md gives: instances of
// each part, feature attributes, labels, label cardinality and distinct label sets of the
// training part. Skipped, with a message, when the directory is absent.
#include "tests/catch.h"

#include <ATen/ATen.h>

#include "datasets/catalog.h"
#include "tests/support.h"

namespace {

struct Expected {
  const char* name;
  int64_t train, test;  // test = -1: no official split
  int64_t features, labels;
  double cardinality;  // of the training part (or the union)
  int64_t distinct;    // label sets in the training part (or the union)
};

// From shared/datasets/MANIFEST.md, summary table.
const Expected kManifest[] = {
    {"emotions", 391, 202, 72, 6, 1.8133, 26},
    {"yeast", 1500, 917, 103, 14, 4.228, 164},
    {"scene", 1211, 1196, 294, 6, 1.0619, 14},
    {"birds", 322, 323, 260, 19, 1.059, 89},
    {"enron", 1123, 579, 1001, 53, 3.3865, 545},
    {"medical", 333, 645, 1449, 45, 1.2553, 61},
    {"genbase", 463, 199, 1186, 27, 1.2613, 29},
    {"cal500", 502, -1, 68, 174, 26.0438, 502},
    {"corel5k", 4500, 500, 499, 374, 3.5216, 2925},
    {"corel16k001", 12022, 1744, 500, 153, 2.8301, 4307},
    {"corel16k002", 11978, 1783, 500, 164, 2.8423, 4422},
    {"corel16k003", 12043, 1717, 500, 154, 2.7855, 4347},
    {"corel16k004", 12091, 1746, 500, 162, 2.8098, 4373},
    {"corel16k005", 12106, 1741, 500, 160, 2.8243, 4540},
    {"corel16k006", 12122, 1737, 500, 162, 2.8485, 4543},
    {"corel16k007", 12168, 1747, 500, 174, 2.8591, 4648},
    {"corel16k008", 12140, 1724, 500, 168, 2.8509, 4481},
    {"corel16k009", 12083, 1801, 500, 173, 2.9056, 4680},
    {"corel16k010", 11857, 1761, 500, 144, 2.7742, 4208},
    {"bibtex", 4880, 2515, 1836, 159, 2.3803, 2058},
    {"delicious", 12920, 3185, 500, 983, 19.0471, 12714},
    {"tmc2007-500", 21519, 7077, 500, 22, 2.2256, 1172},
    {"flags", 129, 65, 19, 7, 3.4186, 45},
    {"foodtruck", 407, -1, 21, 12, 2.2899, 116},
    {"imdb", 120919, -1, 1001, 28, 1.9997, 4503},
    {"rcv1subset1", 6000, -1, 47236, 101, 2.8797, 1028},
    {"rcv1subset2", 6000, -1, 47236, 101, 2.6342, 954},
    {"rcv1subset3", 6000, -1, 47236, 101, 2.6142, 939},
    {"rcv1subset4", 6000, -1, 47229, 101, 2.4837, 816},
    {"rcv1subset5", 6000, -1, 47235, 101, 2.6415, 946},
};

}  // namespace

TEST_CASE("manifest: every shared dataset loads with the MANIFEST counts", "[manifest][slow]") {
  const std::string dir = d2ace::test::shared_datasets();
  if (dir.empty()) {
    WARN("shared/datasets not found beside the checkout (nor $D2ACE_SHARED_DATA): skipped");
    return;
  }
  REQUIRE(std::size(kManifest) == d2ace::dataset_catalog().size());
  for (const Expected& e : kManifest) {
    INFO("dataset " << e.name);
    REQUIRE(d2ace::find_dataset(e.name) != nullptr);
    // keep ratio 1: the source's every feature attribute.
    d2ace::Dataset ds = d2ace::load_dataset({e.name, "", dir, 1.0});
    CHECK(ds.rows() == e.train + std::max<int64_t>(e.test, 0));
    CHECK(ds.official_train_rows == (e.test < 0 ? -1 : e.train));
    CHECK(ds.feature_attributes == e.features);
    CHECK(ds.labels() == e.labels);
    torch::Tensor train_y = e.test < 0 ? ds.Y : ds.Y.slice(0, 0, e.train);
    CHECK(train_y.sum(1).mean().item<double>() == Approx(e.cardinality).margin(5e-5));
    CHECK(std::get<0>(at::unique_dim(train_y, 0)).size(0) == e.distinct);
    CHECK(torch::isfinite(ds.X).all().item<bool>());
  }
}

TEST_CASE("manifest: the reference keep ratio thins rcv1 while reading", "[manifest]") {
  const std::string dir = d2ace::test::shared_datasets();
  if (dir.empty()) {
    WARN("shared/datasets not found: skipped");
    return;
  }
  d2ace::Dataset ds =
      d2ace::load_dataset({"rcv1subset1", "", dir, std::nullopt});  // catalogue: 0.02
  CHECK(ds.features() == 944);                                      // floor(0.02 * 47236)
  CHECK(ds.labels() == 101);
}
