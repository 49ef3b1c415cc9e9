// The dataset registry: every dataset of shared/datasets/MANIFEST.md by name, where its files live
// in the data directory, its format and its split; and loading by name or by path.
//
// The data directory is, in order: --data-dir, the D2ACE_DATA environment variable, then
// `datasets/data/` under the current directory (git ignores it). `scripts/fetch-datasets` fills it
// and verifies every file against datasets/checksums.sha256.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/dataset.h"

namespace d2ace {

struct DatasetEntry {
  std::string name;
  std::string domain;
  std::vector<std::string> files;  // relative to the data directory; [train, test] or [all]
  std::string labels_xml;          // relative; empty for MEKA files (labels from -C)
  double keep_ratio = 1.0;         // reference feature keep ratio (rcv1: 0.02)
  bool official_split() const { return files.size() == 2; }
};

const std::vector<DatasetEntry>& dataset_catalog();
const DatasetEntry* find_dataset(const std::string& name);  // nullptr if unknown

std::string resolve_data_dir(const std::string& flag_value);

struct LoadRequest {
  std::string name_or_path;          // a catalog name, "synthetic[:k=v,...]", or an ARFF path
  std::string labels_xml;            // --xml, for a path
  std::string data_dir;              // resolved data directory
  std::optional<double> keep_ratio;  // overrides the catalog's
};

// Loads a dataset. A PATH is an ARFF file whose Mulan XML is found beside it under the same stem
// (`x-train.arff` -> `x-train.xml`, then `x.xml`) unless given; without one, MEKA's -C is used.
// Throws InputError naming what is missing (an unknown name lists the known ones; a catalog
// dataset absent from the data directory says how to fetch it).
Dataset load_dataset(const LoadRequest& request);

// The files `request` would read (none for synthetic data), each checked to exist: what
// load_dataset checks before reading, for callers that must stop on a missing file early (a
// matrix checks every cell's data before running any). Throws InputError as load_dataset does.
std::vector<std::string> dataset_files(const LoadRequest& request);

}  // namespace d2ace
