#include "d2ace/stagewise_mixture.h"

#include <algorithm>

#include "core/cpu_kernels.h"

namespace d2ace {

double StagewiseSchedule::beta(int64_t e) const {
  if (fixed_beta) return *fixed_beta;
  const double t = static_cast<double>(std::clamp(e, beta_from, beta_to) - beta_from) /
                   static_cast<double>(std::max<int64_t>(1, beta_to - beta_from));
  return beta_start + (beta_end - beta_start) * t;
}

torch::Tensor bernoulli_mixture(const torch::Tensor& pU_in, const torch::Tensor& pH_in,
                                double beta) {
  if (!fusable(torch::kDouble, {pU_in, pH_in})) return beta * pU_in + (1.0 - beta) * pH_in;
  const torch::Tensor pU = pU_in.contiguous(), pH = pH_in.contiguous();
  torch::Tensor P = torch::empty_like(pU);
  const double* u = pU.data_ptr<double>();
  const double* h = pH.data_ptr<double>();
  double* p = P.data_ptr<double>();
  for (int64_t i = 0; i < P.numel(); ++i) p[i] = beta * u[i] + (1.0 - beta) * h[i];
  return P;
}

}  // namespace d2ace
