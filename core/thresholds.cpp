#include "core/thresholds.h"

#include <charconv>
#include <cmath>

#include "core/error.h"

namespace d2ace {
namespace {

constexpr int kGrid = 99;  // 0.01 ... 0.99

double grid_value(int64_t k) { return static_cast<double>(k + 1) / (kGrid + 1); }

// The grid index of the best score (ties: nearest 0.5, then lower), from scores per grid point.
int64_t best_index(const std::vector<double>& score) {
  int64_t best = 0;
  for (int64_t k = 1; k < kGrid; ++k) {
    const double gap = std::abs(grid_value(k) - 0.5), best_gap = std::abs(grid_value(best) - 0.5);
    if (score[k] > score[best] || (score[k] == score[best] && gap < best_gap)) best = k;
  }
  return best;
}

double f1(double tp, double fp, double fn) {
  const double d = 2 * tp + fp + fn;
  return d > 0 ? 2 * tp / d : 0.0;  // 0/0 counts as 0, as in the metrics
}

}  // namespace

std::string ThresholdRule::text() const {
  switch (kind) {
    case Kind::kFixed: {
      char buffer[32];  // the shortest text that reads back exactly
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
      return std::string(buffer, end);
    }
    case Kind::kTuned:
      return "tuned:" + metric;
    case Kind::kTunedPerLabel:
      return "tuned-per-label";
  }
  return "";
}

ThresholdRule parse_threshold(const std::string& text) {
  ThresholdRule rule;
  if (text == "tuned-per-label" || text == "tuned-per-label:macro_f1") {
    rule.kind = ThresholdRule::Kind::kTunedPerLabel;
    return rule;
  }
  if (text == "tuned" || text.rfind("tuned:", 0) == 0) {
    rule.kind = ThresholdRule::Kind::kTuned;
    if (text.size() > 6) rule.metric = text.substr(6);
    if (rule.metric != "macro_f1" && rule.metric != "micro_f1" && rule.metric != "example_f1")
      throw InputError("--threshold '" + text +
                       "': tuned thresholds maximise macro_f1, micro_f1 or example_f1");
    return rule;
  }
  size_t used = 0;
  try {
    rule.value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !(rule.value > 0 && rule.value < 1))
    throw InputError("--threshold '" + text +
                     "': expected a number in (0, 1), tuned[:macro_f1|micro_f1|example_f1] or "
                     "tuned-per-label");
  return rule;
}

std::vector<double> choose_thresholds(const ThresholdRule& rule, const torch::Tensor& scores,
                                      const torch::Tensor& targets) {
  if (!rule.tuned()) return {rule.value};
  const torch::Tensor s = scores.to(torch::kCPU, torch::kDouble);
  const torch::Tensor truth = (targets.to(torch::kCPU) > 0.5).unsqueeze(0);
  const torch::Tensor grid = torch::arange(1, kGrid + 1, torch::kDouble) / (kGrid + 1);
  // predicted[k, i, j] = s[i, j] >= grid[k]; counts per grid point and label, or per instance
  // for example-F1: FP and FN follow from the predicted and true counts.
  const torch::Tensor predicted = s.unsqueeze(0) >= grid.view({kGrid, 1, 1});
  const int dim = rule.kind == ThresholdRule::Kind::kTuned && rule.metric == "example_f1" ? 2 : 1;
  const torch::Tensor TP = (predicted & truth).sum(dim).to(torch::kDouble);  // [grid, m]
  const torch::Tensor FP = predicted.sum(dim).to(torch::kDouble) - TP;
  const torch::Tensor FN = truth.sum(dim).to(torch::kDouble) - TP;
  auto a = TP.accessor<double, 2>(), b = FP.accessor<double, 2>(), c = FN.accessor<double, 2>();
  const int64_t m = TP.size(1);
  if (rule.kind == ThresholdRule::Kind::kTunedPerLabel) {
    std::vector<double> out(m), score(kGrid);
    for (int64_t j = 0; j < m; ++j) {
      for (int64_t k = 0; k < kGrid; ++k) score[k] = f1(a[k][j], b[k][j], c[k][j]);
      out[j] = grid_value(best_index(score));
    }
    return out;
  }
  std::vector<double> score(kGrid);
  for (int64_t k = 0; k < kGrid; ++k) {
    double sum = 0, tps = 0, fps = 0, fns = 0;
    for (int64_t j = 0; j < m; ++j) {
      sum += f1(a[k][j], b[k][j], c[k][j]);
      tps += a[k][j], fps += b[k][j], fns += c[k][j];
    }
    score[k] = rule.metric == "micro_f1" ? f1(tps, fps, fns) : sum / static_cast<double>(m);
  }
  return {grid_value(best_index(score))};
}

}  // namespace d2ace
