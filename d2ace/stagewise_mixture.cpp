#include "d2ace/stagewise_mixture.h"

#include <algorithm>

namespace d2ace {

double StagewiseSchedule::beta(int64_t e) const {
  if (fixed_beta) return *fixed_beta;
  const double t = static_cast<double>(std::clamp(e, beta_from, beta_to) - beta_from) /
                   static_cast<double>(std::max<int64_t>(1, beta_to - beta_from));
  return beta_start + (beta_end - beta_start) * t;
}

torch::Tensor bernoulli_mixture(const torch::Tensor& pU, const torch::Tensor& pH, double beta) {
  return beta * pU + (1.0 - beta) * pH;
}

}  // namespace d2ace
