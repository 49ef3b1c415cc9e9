// Decision thresholds for the bipartition metrics: a fixed one (0.5 by default), or one chosen on
// the validation part to maximise a named F1 (MLC papers report both; MPVAE's code picks its
// threshold on validation, CLIF's calibrates one per data set).
//
//   --threshold 0.5                 fixed
//   --threshold tuned[:F1]          one global threshold maximising F1 = macro_f1 (default),
//                                   micro_f1 or example_f1 on the validation part
//   --threshold tuned-per-label     one threshold per label, each maximising that label's F1 (so
//                                   their mean, macro-F1)
//
// Candidates are the grid 0.01, 0.02, ..., 0.99. Ties go to the candidate nearest 0.5 (then the
// lower one), so a label whose validation F1 is the same everywhere (no positives, say) keeps 0.5.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace d2ace {

struct ThresholdRule {
  enum class Kind { kFixed, kTuned, kTunedPerLabel };
  Kind kind = Kind::kFixed;
  double value = 0.5;               // kFixed
  std::string metric = "macro_f1";  // kTuned: the F1 maximised
  bool tuned() const { return kind != Kind::kFixed; }
  std::string text() const;  // "0.5", "tuned:micro_f1", "tuned-per-label"
};

// Parses --threshold: a number in (0, 1), "tuned", "tuned:<F1>" or "tuned-per-label" (InputError
// naming --threshold otherwise).
ThresholdRule parse_threshold(const std::string& text);

// The thresholds `rule` chooses on validation scores [n, q] and targets [n, q]: {value} for a
// fixed rule, one value for kTuned, q values for kTunedPerLabel.
std::vector<double> choose_thresholds(const ThresholdRule& rule, const torch::Tensor& scores,
                                      const torch::Tensor& targets);

}  // namespace d2ace
