#include "core/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "core/error.h"

namespace d2ace {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double safe_div(double a, double b) { return b == 0.0 ? 0.0 : a / b; }

// Scores and targets as contiguous row-major double matrices.
struct Matrices {
  torch::Tensor s, y;
  const double* score;
  const double* target;
  int64_t n, q;
};

Matrices as_matrices(const torch::Tensor& scores, const torch::Tensor& targets) {
  TORCH_CHECK(scores.dim() == 2 && targets.dim() == 2 && scores.sizes() == targets.sizes(),
              "evaluate: scores and targets must be [n, q] of the same shape");
  Matrices m;
  m.s = scores.detach().to(torch::kCPU, torch::kDouble).contiguous();
  m.y = targets.detach().to(torch::kCPU, torch::kDouble).contiguous();
  m.score = m.s.data_ptr<double>();
  m.target = m.y.data_ptr<double>();
  m.n = scores.size(0);
  m.q = scores.size(1);
  return m;
}

// ROC AUC of one score column (stride apart), ties counted 1/2 (Mann-Whitney with mid-ranks).
// NaN when only one class is present.
double column_auc(std::vector<std::pair<double, bool>>& v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  double pos = 0, rank_sum = 0;
  size_t i = 0;
  while (i < v.size()) {
    size_t j = i;
    double npos_group = 0;
    while (j < v.size() && v[j].first == v[i].first) npos_group += v[j++].second;
    double mid_rank = 0.5 * (static_cast<double>(i + 1) + static_cast<double>(j));
    rank_sum += npos_group * mid_rank;
    pos += npos_group;
    i = j;
  }
  double neg = static_cast<double>(v.size()) - pos;
  if (pos == 0 || neg == 0) return kNaN;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

// sklearn's average_precision_score for one column: sum over distinct thresholds (descending) of
// (R_k - R_{k-1}) * P_k. NaN when there is no positive.
double column_average_precision(std::vector<std::pair<double, bool>>& v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  double total_pos = 0;
  for (const auto& e : v) total_pos += e.second;
  if (total_pos == 0) return kNaN;
  double tp = 0, fp = 0, prev_recall = 0, ap = 0;
  size_t i = 0;
  while (i < v.size()) {
    size_t j = i;
    while (j < v.size() && v[j].first == v[i].first) {
      tp += v[j].second;
      fp += !v[j].second;
      ++j;
    }
    double recall = tp / total_pos;
    ap += (recall - prev_recall) * (tp / (tp + fp));
    prev_recall = recall;
    i = j;
  }
  return ap;
}

std::vector<std::pair<double, bool>> column(const Matrices& m, int64_t j) {
  std::vector<std::pair<double, bool>> v(m.n);
  for (int64_t i = 0; i < m.n; ++i) v[i] = {m.score[i * m.q + j], m.target[i * m.q + j] > 0.5};
  return v;
}

std::vector<std::pair<double, bool>> flattened(const Matrices& m) {
  std::vector<std::pair<double, bool>> v(m.n * m.q);
  for (int64_t k = 0; k < m.n * m.q; ++k) v[k] = {m.score[k], m.target[k] > 0.5};
  return v;
}

double nan_mean(const std::vector<double>& v, int64_t* count) {
  double sum = 0;
  int64_t c = 0;
  for (double x : v)
    if (!std::isnan(x)) sum += x, ++c;
  *count = c;
  return c == 0 ? kNaN : sum / c;
}

struct RankingScores {
  double ranking_loss = 0, one_error = 0, coverage = 0, lrap = 0;
};

// The per-row ranking metrics, each averaged over all n rows.
RankingScores ranking_metrics(const Matrices& m) {
  RankingScores r;
  std::vector<std::pair<double, bool>> row(m.q);
  for (int64_t i = 0; i < m.n; ++i) {
    const double* s = m.score + i * m.q;
    const double* y = m.target + i * m.q;
    int64_t rel = 0, best = 0;
    for (int64_t j = 0; j < m.q; ++j) {
      rel += y[j] > 0.5;
      if (s[j] > s[best]) best = j;
    }
    r.one_error += y[best] > 0.5 ? 0.0 : 1.0;
    if (rel == 0) {
      r.lrap += 1.0;  // coverage and ranking loss add 0
      continue;
    }
    for (int64_t j = 0; j < m.q; ++j) row[j] = {s[j], y[j] > 0.5};
    std::sort(row.begin(), row.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    // Walk groups of tied scores from the top. Before group g: `above` labels, `rel_above`
    // relevant. Ties share the maximal rank (= above + group size).
    int64_t above = 0, rel_above = 0;
    double wrong_pairs = 0, precision_sum = 0;
    int64_t coverage = 0;
    size_t a = 0;
    while (a < row.size()) {
      size_t b = a;
      int64_t rel_group = 0;
      while (b < row.size() && row[b].first == row[a].first) rel_group += row[b++].second;
      int64_t group = static_cast<int64_t>(b - a);
      int64_t irr_group = group - rel_group;
      int64_t rank = above + group;
      // Relevant labels at or below this score (ties count as errors): rel - rel_above.
      wrong_pairs += static_cast<double>(irr_group) * static_cast<double>(rel - rel_above);
      precision_sum += static_cast<double>(rel_group) * (rel_above + rel_group) / rank;
      if (rel_group > 0) coverage = rank;
      above += group;
      rel_above += rel_group;
      a = b;
    }
    r.coverage += static_cast<double>(coverage);
    if (rel == m.q) {
      r.lrap += 1.0;
    } else {
      r.ranking_loss += wrong_pairs / (static_cast<double>(rel) * static_cast<double>(m.q - rel));
      r.lrap += precision_sum / rel;
    }
  }
  double n = static_cast<double>(m.n);
  r.ranking_loss /= n;
  r.one_error /= n;
  r.coverage /= n;
  r.lrap /= n;
  return r;
}

}  // namespace

const char* to_string(Direction d) {
  return d == Direction::kHigherIsBetter ? "higher_is_better" : "lower_is_better";
}

const std::vector<MetricInfo>& metric_catalog() {
  static const std::vector<MetricInfo> catalog = {
      {"hamming_loss", Direction::kLowerIsBetter, "share of wrong entries; threshold applies"},
      {"subset_accuracy", Direction::kHigherIsBetter, "exact label-set match"},
      {"micro_f1", Direction::kHigherIsBetter, "pooled counts; 0/0 = 0"},
      {"macro_f1", Direction::kHigherIsBetter, "mean over all q labels; 0/0 = 0"},
      {"micro_precision", Direction::kHigherIsBetter, "pooled counts; 0/0 = 0"},
      {"macro_precision", Direction::kHigherIsBetter, "mean over all q labels; 0/0 = 0"},
      {"micro_recall", Direction::kHigherIsBetter, "pooled counts; 0/0 = 0"},
      {"macro_recall", Direction::kHigherIsBetter, "mean over all q labels; 0/0 = 0"},
      {"micro_accuracy", Direction::kHigherIsBetter, "pooled (TP+TN)/(n q) = 1 - hamming loss"},
      {"macro_accuracy", Direction::kHigherIsBetter, "mean over labels of (TP+TN)/n"},
      {"example_precision", Direction::kHigherIsBetter, "mean over instances; 0/0 = 0"},
      {"example_recall", Direction::kHigherIsBetter, "mean over instances; 0/0 = 0"},
      {"example_f1", Direction::kHigherIsBetter, "mean over instances; 0/0 = 0"},
      {"example_jaccard", Direction::kHigherIsBetter, "mean over instances; 0/0 = 0"},
      {"micro_auc", Direction::kHigherIsBetter, "ROC AUC of all entries; ties 1/2"},
      {"macro_auc", Direction::kHigherIsBetter,
       "mean ROC AUC over labels with both classes; ties 1/2"},
      {"micro_aupr", Direction::kHigherIsBetter, "step-wise average precision of all entries"},
      {"macro_aupr", Direction::kHigherIsBetter,
       "mean step-wise average precision over labels with positives"},
      {"ranking_loss", Direction::kLowerIsBetter,
       "ties count as errors; rows with no/all labels add 0"},
      {"one_error", Direction::kLowerIsBetter, "first top-scored label; empty rows count 1"},
      {"coverage", Direction::kLowerIsBetter, "1-based (sklearn coverage_error); ties at max rank"},
      {"lrap", Direction::kHigherIsBetter,
       "label-ranking average precision; rows with no/all labels score 1"},
  };
  return catalog;
}

const MetricInfo& metric_info(const std::string& name) {
  for (const auto& m : metric_catalog())
    if (m.name == name) return m;
  throw InputError("unknown metric '" + name + "'");
}

double Evaluation::get(const std::string& name) const {
  for (const auto& v : values)
    if (v.name == name) return v.value;
  throw std::out_of_range("no metric " + name);
}

double macro_auc(const torch::Tensor& scores, const torch::Tensor& targets) {
  Matrices m = as_matrices(scores, targets);
  std::vector<double> per_label(m.q);
  for (int64_t j = 0; j < m.q; ++j) {
    auto v = column(m, j);
    per_label[j] = column_auc(v);
  }
  int64_t count = 0;
  return nan_mean(per_label, &count);
}

Evaluation evaluate(const torch::Tensor& scores, const torch::Tensor& targets, double threshold) {
  return evaluate(scores, targets, std::vector<double>{threshold});
}

Evaluation evaluate(const torch::Tensor& scores, const torch::Tensor& targets,
                    const std::vector<double>& thresholds) {
  Matrices m = as_matrices(scores, targets);
  const int64_t n = m.n, q = m.q;
  if (thresholds.size() != 1 && static_cast<int64_t>(thresholds.size()) != q)
    throw std::invalid_argument("evaluate: " + std::to_string(thresholds.size()) +
                                " thresholds for " + std::to_string(q) + " labels");
  const std::vector<double> threshold =
      thresholds.size() == 1 ? std::vector<double>(q, thresholds[0]) : thresholds;
  std::vector<double> tp(q, 0), fp(q, 0), fn(q, 0), tn(q, 0);
  double subset = 0, ex_p = 0, ex_r = 0, ex_f1 = 0, ex_j = 0;
  for (int64_t i = 0; i < n; ++i) {
    double tpi = 0, fpi = 0, fni = 0;
    for (int64_t j = 0; j < q; ++j) {
      bool pred = m.score[i * q + j] >= threshold[j];
      bool truth = m.target[i * q + j] > 0.5;
      tp[j] += pred && truth;
      fp[j] += pred && !truth;
      fn[j] += !pred && truth;
      tn[j] += !pred && !truth;
      tpi += pred && truth;
      fpi += pred && !truth;
      fni += !pred && truth;
    }
    subset += (fpi + fni) == 0;
    ex_p += safe_div(tpi, tpi + fpi);
    ex_r += safe_div(tpi, tpi + fni);
    ex_f1 += safe_div(2 * tpi, 2 * tpi + fpi + fni);
    ex_j += safe_div(tpi, tpi + fpi + fni);
  }
  double TP = 0, FP = 0, FN = 0, TN = 0;
  double mac_p = 0, mac_r = 0, mac_f1 = 0, mac_acc = 0;
  Evaluation ev;
  for (int64_t j = 0; j < q; ++j) {
    TP += tp[j], FP += fp[j], FN += fn[j], TN += tn[j];
    mac_p += safe_div(tp[j], tp[j] + fp[j]);
    mac_r += safe_div(tp[j], tp[j] + fn[j]);
    mac_f1 += safe_div(2 * tp[j], 2 * tp[j] + fp[j] + fn[j]);
    mac_acc += (tp[j] + tn[j]) / static_cast<double>(n);
    ev.labels_without_tp_fp_fn += (tp[j] + fp[j] + fn[j]) == 0;
  }
  std::vector<double> auc(q), aupr(q);
  for (int64_t j = 0; j < q; ++j) {
    auto v = column(m, j);
    auc[j] = column_auc(v);
    aupr[j] = column_average_precision(v);
  }
  auto flat = flattened(m);
  double micro_auc_v = column_auc(flat);
  double micro_aupr_v = column_average_precision(flat);
  double macro_auc_v = nan_mean(auc, &ev.labels_with_both_classes);
  double macro_aupr_v = nan_mean(aupr, &ev.labels_with_positives);
  RankingScores rk = ranking_metrics(m);

  const double nd = static_cast<double>(n), qd = static_cast<double>(q);
  ev.instances = n;
  ev.labels = q;
  ev.values = {
      {"hamming_loss", (FP + FN) / (nd * qd)},
      {"subset_accuracy", subset / nd},
      {"micro_f1", safe_div(2 * TP, 2 * TP + FP + FN)},
      {"macro_f1", mac_f1 / qd},
      {"micro_precision", safe_div(TP, TP + FP)},
      {"macro_precision", mac_p / qd},
      {"micro_recall", safe_div(TP, TP + FN)},
      {"macro_recall", mac_r / qd},
      {"micro_accuracy", (TP + TN) / (nd * qd)},
      {"macro_accuracy", mac_acc / qd},
      {"example_precision", ex_p / nd},
      {"example_recall", ex_r / nd},
      {"example_f1", ex_f1 / nd},
      {"example_jaccard", ex_j / nd},
      {"micro_auc", micro_auc_v},
      {"macro_auc", macro_auc_v},
      {"micro_aupr", micro_aupr_v},
      {"macro_aupr", macro_aupr_v},
      {"ranking_loss", rk.ranking_loss},
      {"one_error", rk.one_error},
      {"coverage", rk.coverage},
      {"lrap", rk.lrap},
  };
  return ev;
}

}  // namespace d2ace
