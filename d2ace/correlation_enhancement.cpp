#include "d2ace/correlation_enhancement.h"

namespace d2ace {

torch::Tensor enhancement_at(const torch::Tensor& Z, const torch::Tensor& C_hat, const RelevantEntries& r) {
  return (Z.index_select(0, r.rows) * C_hat.index_select(0, r.cols)).sum(1);
}

torch::Tensor enhanced_scores(const torch::Tensor& M, const torch::Tensor& v, const torch::Tensor& s_at,
                              const RelevantEntries& r) {
  torch::Tensor score = M.mv(v);  // S1
  if (s_at.defined()) {
    torch::Tensor s2 = v.index_select(0, r.cols) * M.index({r.rows, r.cols}) * s_at;
    score.index_add_(0, r.rows, s2);
  }
  return score;
}

}  // namespace d2ace
