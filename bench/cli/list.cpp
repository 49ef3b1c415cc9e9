// d2ace-bench list: the datasets of the catalogue (and whether their files are present), the
// models and the selectors with their parameters.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "bench/cli/cli.h"
#include "bench/experiment.h"
#include "core/error.h"
#include "datasets/catalog.h"
#include "datasets/multi_fashion.h"

namespace po = boost::program_options;

namespace d2ace::cli {
namespace {

void list_datasets(const std::string& dir) {
  std::cout << std::left << std::setw(15) << "name" << std::setw(16) << "domain" << std::setw(10)
            << "split" << std::setw(7) << "keep"
            << "files (in " << dir << ")\n";
  std::cout << std::setw(15) << "synthetic" << std::setw(16) << "generated" << std::setw(10)
            << "none" << std::setw(7) << "1"
            << "embedded; synthetic:n=..,d=..,q=..,cardinality=..,correlation=..,noise=..\n";
  const bool fashion = std::filesystem::exists(fashion_mnist_dir() + "/train-images-idx3-ubyte.gz");
  std::cout << std::setw(15) << "multi-fashion" << std::setw(16) << "image (canvas)"
            << std::setw(10) << "official" << std::setw(7) << "1"
            << (fashion ? "built from " + fashion_mnist_dir()
                        : std::string("missing (apt-get install dataset-fashion-mnist)"))
            << "; multi-fashion:n=..,test=..,size=..,objects=1-4,cooccurrence=..,seed=..\n";
  std::cout << std::setw(15) << "voc:DIR" << std::setw(16) << "image" << std::setw(10) << "official"
            << std::setw(7) << "1"
            << "a PASCAL VOC folder; voc:DIR:size=N\n";
  std::cout << std::setw(15) << "coco:FILE" << std::setw(16) << "image" << std::setw(10) << "none"
            << std::setw(7) << "1"
            << "a COCO instances JSON file; coco:FILE:size=N\n";
  for (const auto& e : dataset_catalog()) {
    bool present = true;
    for (const auto& f : e.files)
      present = present && std::filesystem::exists(std::filesystem::path(dir) / f);
    std::ostringstream keep;
    keep << e.keep_ratio;
    std::cout << std::setw(15) << e.name << std::setw(16) << e.domain << std::setw(10)
              << (e.official_split() ? "official" : "none") << std::setw(7) << keep.str()
              << (present ? "present" : "missing (scripts/fetch-datasets)") << "\n";
  }
}

template <class Registry>
void list_components(const Registry& registry) {
  for (const auto* e : registry.all()) {
    std::cout << e->name << "  " << e->summary << "\n";
    for (const auto& p : e->params)
      std::cout << "    " << p.name << "=" << (p.default_value.empty() ? "\"\"" : p.default_value)
                << "  " << p.help << "\n";
  }
}

}  // namespace

int list(const std::vector<std::string>& args) {
  po::options_description opts("list options");
  std::string data_dir;
  opts.add_options()("help,h", "show this help")(
      "data-dir", po::value<std::string>(&data_dir),
      "data directory (default: $D2ACE_DATA, then datasets/data)");
  Command cmd =
      parse_command(args, opts, "usage: d2ace-bench list datasets|models|selectors", 1, 1);
  if (cmd.exit_code) return *cmd.exit_code;
  const std::string what = cmd.positional[0];
  Registries reg;
  if (what == "datasets")
    list_datasets(resolve_data_dir(data_dir));
  else if (what == "models")
    list_components(reg.models);
  else if (what == "selectors")
    list_components(reg.selectors);
  else
    throw InputError("list: expected datasets, models or selectors, got '" + what + "'");
  return 0;
}

}  // namespace d2ace::cli
