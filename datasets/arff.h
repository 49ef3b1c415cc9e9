// Reader for Mulan and MEKA multi-label ARFF files.
//
// Supports dense and sparse rows; numeric/real/integer, nominal, string and date attributes;
// quoted names and values (single or double quotes, backslash escapes); comments and blank lines;
// case-insensitive keywords; `.bz2` input (imdb ships so).
//
// Which attributes are labels:
//   * a Mulan XML label file (`labels_xml`): labels are matched to attributes **by name**, wherever
//     they sit (yeast and enron list them in another order than the ARFF header); the order of Y's
//     columns is the ARFF's;
//   * otherwise MEKA's `-C n` option in the relation name: n > 0, the first n attributes; n < 0,
//     the last |n|.
// Label values must be 0 or 1 (nominal {0,1} or numeric).
//
// Features:
//   * numeric attributes: one column each;
//   * nominal attributes: two values -> one 0/1 column (the index of the value); k > 2 values ->
//     k one-hot columns; more than `max_nominal_values` values -> treated as an identifier (such
//     as genbase's protein id) and dropped with a notice;
//   * string and date attributes: dropped with a notice.
// Missing values (`?`) in a feature are imputed with the mean of the observed values of their
// encoded column over all rows read, announced in the notices; a missing label is an error.
// NaN or infinite numbers are errors.
//
// `keep_ratio` < 1 keeps the top fraction of feature columns ranked by column sum (the reference
// code's feature selection for rcv1/yahoo/tmc2007), chosen while reading: the rows stay sparse
// until only the kept columns are materialised.
//
// Every error is an InputError naming `file:line` and what was expected.
#pragma once

#include <string>
#include <vector>

#include "core/dataset.h"

namespace d2ace {

struct ArffOptions {
  std::string labels_xml;            // Mulan label file; empty: MEKA's -C option
  double keep_ratio = 1.0;           // (0, 1]
  int64_t max_nominal_values = 100;  // nominal features with more values are identifiers
};

// Reads one or more ARFF files with identical headers as one dataset, rows in file order. With
// two files (train, test), `official_train_rows` is the first file's row count.
Dataset read_arff(const std::vector<std::string>& paths, const ArffOptions& options);

// The label names a Mulan XML file declares, in its order, with XML entities and character
// references decoded (a malformed reference is an InputError naming the line).
std::vector<std::string> read_mulan_labels(const std::string& xml_path);

// The whole content of a file, decompressed when the name ends in ".bz2".
std::string read_file_text(const std::string& path);

}  // namespace d2ace
