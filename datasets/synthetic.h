// Seeded synthetic multi-label data, the embedded default dataset (needs no download).
//
// In the manner of scikit-learn's make_multilabel_classification: each label has a prior and a
// distribution over d "words"; an instance draws its number of labels from Poisson(cardinality)
// (at least 1), its labels from the priors, and its features as the word counts of a document of
// Poisson(length) words, each word drawn from one of its labels' distributions. Added here:
//   * correlation in [0, 1]: labels come in groups of three; after the first label, each further
//     label is taken from the group of an already chosen label with this probability;
//   * noise in [0, 1): each label entry is flipped with this probability after the features are
//     drawn (label noise, the features stay those of the clean labels).
#pragma once

#include <cstdint>
#include <string>

#include "core/dataset.h"

namespace d2ace {

struct SyntheticSpec {
  int64_t n = 2000;
  int64_t d = 40;
  int64_t q = 8;
  double cardinality = 2.0;
  double correlation = 0.5;
  double noise = 0.01;
  int64_t length = 60;
  uint64_t seed = 7;
};

Dataset make_synthetic(const SyntheticSpec& spec);

// "synthetic" or "synthetic:n=5000,q=20,noise=0.05" -> spec; throws InputError on a bad key.
SyntheticSpec parse_synthetic_name(const std::string& name);
bool is_synthetic_name(const std::string& name);

}  // namespace d2ace
