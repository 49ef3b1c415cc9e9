// d2ace-bench inspect: what a dataset holds, as text or JSON.
#include <ATen/ATen.h>

#include <iomanip>
#include <iostream>

#include "bench/cli/cli.h"
#include "bench/console.h"
#include "datasets/catalog.h"

namespace po = boost::program_options;

namespace d2ace::cli {
namespace {

Json label_stats(const torch::Tensor& Y) {
  Json j;
  const double card = Y.numel() ? Y.sum(1).mean().item<double>() : 0.0;
  j["instances"] = Y.size(0);
  j["cardinality"] = card;
  j["density"] = Y.size(1) ? card / Y.size(1) : 0.0;
  j["distinct_label_sets"] = Y.size(0) ? std::get<0>(at::unique_dim(Y, 0)).size(0) : 0;
  j["instances_without_labels"] = (Y.sum(1) == 0).sum().item<int64_t>();
  j["labels_without_positives"] = (Y.sum(0) == 0).sum().item<int64_t>();
  return j;
}

Json describe(const Dataset& d) {
  Json j;
  j["name"] = d.name;
  j["instances"] = d.rows();
  j["feature_attributes"] = d.feature_attributes;
  j["features"] = d.features();
  j["labels"] = d.labels();
  Json all = label_stats(d.Y);
  for (const char* k : {"cardinality", "density", "distinct_label_sets", "instances_without_labels",
                        "labels_without_positives"})
    j[k] = all[k];
  if (d.has_official_split()) {
    j["official_split"] = {{"train", label_stats(d.Y.slice(0, 0, d.official_train_rows))},
                           {"test", label_stats(d.Y.slice(0, d.official_train_rows))}};
  } else {
    j["official_split"] = nullptr;
  }
  j["label_names"] = d.label_names;
  if (d.is_image()) {  // what was built or decoded: the image size and each label's positives
    j["image"] = d.image_shape;
    const torch::Tensor positives = d.Y.sum(0).to(torch::kLong).contiguous();
    const int64_t* p = positives.data_ptr<int64_t>();
    j["positives_per_label"] = std::vector<int64_t>(p, p + positives.numel());
  }
  j["notices"] = d.notices;
  return j;
}

void print_description(const Json& j) {
  std::cout << "dataset              " << j["name"].get<std::string>() << "\n"
            << "instances            " << j["instances"] << "\n"
            << "feature attributes   " << j["feature_attributes"] << "\n"
            << "feature columns      " << j["features"] << "  (after encoding)\n"
            << "labels               " << j["labels"] << "\n"
            << "cardinality          " << fixed(j["cardinality"].get<double>()) << "\n"
            << "density              " << fixed(j["density"].get<double>()) << "\n"
            << "distinct label sets  " << j["distinct_label_sets"] << "\n"
            << "without labels       " << j["instances_without_labels"] << " instances\n"
            << "never positive       " << j["labels_without_positives"] << " labels\n";
  if (!j["official_split"].is_null())
    for (const char* part : {"train", "test"}) {
      const Json& p = j["official_split"][part];
      std::cout << "official " << std::setw(12) << std::left << part << p["instances"]
                << " instances, cardinality " << fixed(p["cardinality"].get<double>()) << ", "
                << p["distinct_label_sets"] << " distinct label sets\n";
    }
  if (j.contains("image")) {
    const Json& shape = j["image"];
    std::cout << "image                " << shape[0] << " x " << shape[1] << " x " << shape[2]
              << "  (channels x height x width, uint8)\n";
    for (size_t c = 0; c < j["label_names"].size(); ++c)
      std::cout << "  " << std::setw(19) << std::left << j["label_names"][c].get<std::string>()
                << j["positives_per_label"][c] << " positives\n";
  }
  for (const auto& n : j["notices"]) std::cout << "notice: " << n.get<std::string>() << "\n";
}

}  // namespace

int inspect(const std::vector<std::string>& args) {
  po::options_description opts("inspect options");
  std::string xml, data_dir;
  double keep = 0;
  opts.add_options()("help,h", "show this help")("xml", po::value<std::string>(&xml),
                                                 "Mulan XML label file")(
      "data-dir", po::value<std::string>(&data_dir), "data directory")(
      "keep-ratio", po::value<double>(&keep),
      "feature keep ratio by column sum (default: the catalogue's)")("json", "print JSON");
  Command cmd = parse_command(
      args, opts, "usage: d2ace-bench inspect PATH_OR_NAME [--xml FILE] [--json]", 1, 1);
  if (cmd.exit_code) return *cmd.exit_code;
  LoadRequest req{cmd.positional[0], xml, resolve_data_dir(data_dir), std::nullopt};
  if (cmd.vm.count("keep-ratio")) req.keep_ratio = keep;
  Json j = describe(load_dataset(req));
  if (cmd.vm.count("json"))
    std::cout << j.dump(2) << "\n";
  else
    print_description(j);
  return 0;
}

}  // namespace d2ace::cli
