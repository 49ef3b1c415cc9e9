// Train/validation/test splits and preprocessing fitted on the training part only.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/dataset.h"

namespace d2ace {

// k-fold iterative stratification (Sechidis, Tsoumakas & Vlahavas, ECML PKDD 2011), order 1:
// labels are handled from the rarest (among the instances still unassigned) to the most common;
// each instance of that label goes to the fold that most lacks the label, ties broken by the
// fold's overall lack and then at random; instances without labels go last, to the folds that
// most lack instances. Returns the fold (0..k-1) of every row. Seeded and deterministic.
std::vector<int64_t> iterative_stratification(const torch::Tensor& Y, int64_t folds, uint64_t seed);

enum class SplitMode { kKFold, kOfficial, kFile };

// Folds read from a file (run --split-file), to reproduce another study's exact folds:
//   {"folds": [{"test": [rows...], "validation": [rows...]}, ...]}
// 0-based row indices in the order the dataset is read (a catalogue dataset with train and test
// files: the train file's rows, then the test file's); "validation" is optional (absent: the usual
// seeded hold-out from the training part). The training part is every other row.
struct SplitFile {
  struct Fold {
    std::vector<int64_t> test, validation;
    bool has_validation = false;
  };
  std::string path;
  std::string digest;  // 16 hex digits hashed from the file's bytes (cell identities carry it)
  std::vector<Fold> folds;
};

// Reads and checks the file's shape: InputError "<path>: ..." when it cannot be read, is not JSON,
// has no non-empty "folds" array, a fold without a non-empty "test" array, or an index that is not
// a non-negative integer. Ranges and overlaps need the dataset: make_splits checks them.
SplitFile read_split_file(const std::string& path);

struct SplitSpec {
  SplitMode mode = SplitMode::kKFold;
  int64_t folds = 5;                 // kKFold
  double validation_fraction = 0.1;  // held out from each training part
  uint64_t seed = 0;                 // stratification seed (one assignment for all folds)
  uint64_t validation_seed = 0;      // hold-out seed; fold f uses derive_seed(this, fold=f)
  const SplitFile* file = nullptr;   // kFile
  // kFile: the row each current row was as read (rows without labels may have been dropped since);
  // empty: the rows as read. `rows_read`: how many rows were read (-1: the current count).
  std::vector<int64_t> source_rows;
  int64_t rows_read = -1;
};

// Row indices (int64, ascending) of the three parts.
struct Split {
  torch::Tensor train, validation, test;
};

// Every split the spec defines: k folds (fold f is the test part of split f), the single official
// split, or the file's folds. Throws InputError when the spec does not fit the data (no official
// split, fewer rows than folds, a part left empty; for a file, naming it and the fold: a row out of
// range, a row listed twice or in two parts of one fold). A file's rows that were dropped since
// they were read are left out of every part.
std::vector<Split> make_splits(const Dataset& data, const SplitSpec& spec);

enum class Scaling { kNone, kMinMax, kStandard };
Scaling parse_scaling(const std::string& name);
const char* to_string(Scaling s);

// Feature scaling fitted on training rows: X' = (X - shift) / scale. Constant columns get scale 1.
// An unfitted Scaler (no shift) leaves X as it is: an image model's pixels.
struct Scaler {
  torch::Tensor shift, scale;
  torch::Tensor apply(const torch::Tensor& X) const {
    return shift.defined() ? (X - shift) / scale : X;
  }
};
Scaler fit_scaler(Scaling scaling, const torch::Tensor& X_train);
// The first column whose scaled values would not all be finite in single precision (finite but
// huge features overflow: a column of +-3e38 has an infinite mean), from the column minima and
// maxima of every row the scaler will see; -1 when there is none. Scaling is monotone in each
// column, so the scaled extremes bound every scaled value.
int64_t first_unscalable_column(const Scaler& scaler, const torch::Tensor& column_min,
                                const torch::Tensor& column_max);

// The reference code's pruning, applied to the whole dataset before splitting (as it does):
// drop labels with at most `max_positives` positive instances; drop instances without labels.
Dataset prune_rare_labels(const Dataset& data, int64_t max_positives);
// `kept_rows`, when given, receives the rows kept (as indices into `data`).
Dataset drop_unlabelled_instances(const Dataset& data, std::vector<int64_t>* kept_rows = nullptr);

}  // namespace d2ace
