#include "datasets/catalog.h"

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "datasets/arff.h"
#include "datasets/image_folders.h"
#include "datasets/multi_fashion.h"
#include "datasets/synthetic.h"

namespace d2ace {
namespace fs = std::filesystem;
namespace {

DatasetEntry mulan_split(const std::string& name, const std::string& domain,
                         const std::string& folder, const std::string& stem,
                         const std::string& train_suffix = "-train",
                         const std::string& test_suffix = "-test",
                         const std::string& xml_stem = "") {
  return {
      name,
      domain,
      {folder + "/" + stem + train_suffix + ".arff", folder + "/" + stem + test_suffix + ".arff"},
      folder + "/" + (xml_stem.empty() ? stem : xml_stem) + ".xml",
      1.0};
}

DatasetEntry mulan_union(const std::string& name, const std::string& domain, double keep = 1.0) {
  return {name, domain, {name + "/" + name + ".arff"}, name + "/" + name + ".xml", keep};
}

std::vector<DatasetEntry> build_catalog() {
  std::vector<DatasetEntry> c = {
      mulan_split("emotions", "music", "emotions", "emotions"),
      mulan_split("yeast", "biology", "yeast", "yeast"),
      mulan_split("scene", "image", "scene", "scene"),
      mulan_split("birds", "audio", "birds", "birds"),
      mulan_split("enron", "text", "enron", "enron"),
      mulan_split("medical", "text", "medical", "medical"),
      mulan_split("genbase", "biology", "genbase", "genbase"),
      mulan_union("cal500", "music"),
      mulan_split("corel5k", "image", "corel5k", "Corel5k", "-train-sparse", "-test-sparse"),
      mulan_split("bibtex", "text", "bibtex", "bibtex"),
      mulan_split("delicious", "text (web)", "delicious", "delicious"),
      mulan_split("tmc2007-500", "text", "tmc2007-500", "tmc2007-500"),
      mulan_split("flags", "image", "flags", "flags"),
      mulan_union("foodtruck", "recommendation"),
      {"imdb", "text", {"imdb/Imdb.arff.bz2"}, "", 1.0},
  };
  for (int s = 1; s <= 10; ++s) {
    std::string id = (s < 10 ? "00" : "0") + std::to_string(s);
    c.push_back(mulan_split("corel16k" + id, "image", "corel16k", "Corel16k" + id));
  }
  for (int s = 1; s <= 5; ++s)
    c.push_back(mulan_union("rcv1subset" + std::to_string(s), "text", 0.02));
  return c;
}

bool looks_like_path(const std::string& s) {
  auto ends = [&](const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return s.find('/') != std::string::npos || ends(".arff") || ends(".arff.bz2");
}

}  // namespace

const std::vector<DatasetEntry>& dataset_catalog() {
  static const std::vector<DatasetEntry> catalog = build_catalog();
  return catalog;
}

const DatasetEntry* find_dataset(const std::string& name) {
  for (const auto& e : dataset_catalog())
    if (e.name == name) return &e;
  return nullptr;
}

std::string resolve_data_dir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("D2ACE_DATA"); env && *env) return env;
  return "datasets/data";
}

std::vector<std::string> dataset_files(const LoadRequest& r) {
  if (is_synthetic_name(r.name_or_path)) return {};
  if (is_multi_fashion_name(r.name_or_path)) {
    parse_multi_fashion_name(r.name_or_path);
    return multi_fashion_files(fashion_mnist_dir());
  }
  if (is_image_folder_name(r.name_or_path)) return image_folder_files(r.name_or_path);
  std::vector<std::string> paths;
  if (const DatasetEntry* e = find_dataset(r.name_or_path)) {
    for (const auto& f : e->files) {
      fs::path p = fs::path(r.data_dir) / f;
      if (!fs::exists(p))
        throw InputError(
            "dataset '" + e->name + "': " + p.string() +
            " not found (fill the data directory with scripts/fetch-datasets, or point "
            "--data-dir / D2ACE_DATA at it)");
      paths.push_back(p.string());
    }
    return paths;
  }
  if (!looks_like_path(r.name_or_path)) {
    std::string names = "synthetic";
    for (const auto& e : dataset_catalog()) names += ", " + e.name;
    throw InputError(
        "unknown dataset '" + r.name_or_path + "' (known: " + names +
        ", multi-fashion; or give a path to an .arff file, voc:DIR or coco:FILE.json)");
  }
  if (!fs::exists(r.name_or_path)) throw InputError(r.name_or_path + ": no such file");
  return {r.name_or_path};
}

Dataset load_dataset(const LoadRequest& r) {
  if (is_synthetic_name(r.name_or_path)) {
    Dataset ds = make_synthetic(parse_synthetic_name(r.name_or_path));
    ds.name = r.name_or_path;
    return ds;
  }
  if (is_multi_fashion_name(r.name_or_path)) {
    Dataset ds = make_multi_fashion(parse_multi_fashion_name(r.name_or_path), fashion_mnist_dir());
    ds.name = r.name_or_path;
    return ds;
  }
  if (is_image_folder_name(r.name_or_path)) return load_image_folder(r.name_or_path, r.data_dir);
  ArffOptions opt;
  const std::vector<std::string> paths = dataset_files(r);
  if (const DatasetEntry* e = find_dataset(r.name_or_path)) {
    if (!e->labels_xml.empty()) opt.labels_xml = (fs::path(r.data_dir) / e->labels_xml).string();
    opt.keep_ratio = r.keep_ratio.value_or(e->keep_ratio);
    Dataset ds = read_arff(paths, opt);
    ds.name = e->name;
    return ds;
  }
  fs::path path(paths.front());
  opt.keep_ratio = r.keep_ratio.value_or(1.0);
  if (!r.labels_xml.empty()) {
    opt.labels_xml = r.labels_xml;
  } else {
    std::string stem = path.filename().string();
    stem = stem.substr(0, stem.find(".arff"));
    std::vector<fs::path> candidates = {path.parent_path() / (stem + ".xml")};
    for (const std::string suffix : {"-train", "-test", "-train-sparse", "-test-sparse"})
      if (stem.size() > suffix.size() &&
          stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) == 0)
        candidates.push_back(path.parent_path() /
                             (stem.substr(0, stem.size() - suffix.size()) + ".xml"));
    for (const auto& c : candidates)
      if (fs::exists(c)) {
        opt.labels_xml = c.string();
        break;
      }
  }
  return read_arff({path.string()}, opt);
}

}  // namespace d2ace
