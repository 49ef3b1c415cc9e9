// Multi-label evaluation metrics (baselines.md §7), each with its direction and convention.
//
// All metrics take the scores (probabilities, [n, q]) and the 0/1 targets ([n, q]); bipartition
// metrics threshold the scores at `threshold` (prediction = score >= threshold). Conventions
// follow scikit-learn 1.2 and are checked against it in tests/test_metrics.cpp:
//   * zero division: any 0/0 in precision, recall, F1 or Jaccard counts as 0 (sklearn's
//     zero_division=0); macro averages divide by all q labels.
//   * macro AUC averages over the labels with both classes present; macro AUPR over the labels
//     with at least one positive; the micro forms use all entries flattened. Ties count 1/2 in AUC;
//     AUPR is sklearn's step-wise average precision. NaN when no label qualifies.
//   * ranking loss counts ties as errors; rows with no or all labels relevant contribute 0 but
//     stay in the mean.
//   * coverage is sklearn's coverage_error: 1-based (one more than Tsoumakas et al.), ties at the
//     maximal rank, rows with no relevant label contribute 0.
//   * lrap is label-ranking average precision; rows with no or all labels relevant score 1.
//   * one-error takes the first label of maximal score; a row without labels counts as an error.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace d2ace {

enum class Direction { kHigherIsBetter, kLowerIsBetter };
const char* to_string(Direction d);

struct MetricInfo {
  std::string name;
  Direction direction;
  std::string convention;  // one line, for the report
};

// Every metric the suite reports, in report order.
const std::vector<MetricInfo>& metric_catalog();
const MetricInfo& metric_info(const std::string& name);  // throws InputError if unknown

struct MetricValue {
  std::string name;
  double value;
};

struct Evaluation {
  std::vector<MetricValue> values;  // in metric_catalog() order
  int64_t instances = 0;
  int64_t labels = 0;
  int64_t labels_with_both_classes = 0;  // q' of macro AUC
  int64_t labels_with_positives = 0;     // q' of macro AUPR
  int64_t labels_without_tp_fp_fn = 0;   // labels whose F1 is 0/0 (counted as 0)

  double get(const std::string& name) const;  // throws std::out_of_range if absent
};

Evaluation evaluate(const torch::Tensor& scores, const torch::Tensor& targets,
                    double threshold = 0.5);
// With one threshold per label (`thresholds` has q values) or one for all (one value).
Evaluation evaluate(const torch::Tensor& scores, const torch::Tensor& targets,
                    const std::vector<double>& thresholds);

// Macro AUC alone (the trainer's model-selection criterion, cheaper than evaluate()).
double macro_auc(const torch::Tensor& scores, const torch::Tensor& targets);

}  // namespace d2ace
