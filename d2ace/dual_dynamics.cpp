#include "d2ace/dual_dynamics.h"

namespace d2ace {

torch::Tensor noise_resistant_hardness(const torch::Tensor& last_loss,
                                       const torch::Tensor& flip_ema, HardnessForm form) {
  // In place after the first operation (fewer fresh [N, q] tensors): 2 - e^{-l} or -(e^{-l} - 1).
  torch::Tensor g = form == HardnessForm::kReleased ? last_loss.neg().exp_().neg_().add_(2.0)
                                                    : last_loss.neg().expm1_().neg_();
  return g.mul_(1.0 - flip_ema);
}

}  // namespace d2ace
