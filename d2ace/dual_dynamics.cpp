#include "d2ace/dual_dynamics.h"

#include "core/error.h"

namespace d2ace {

HardnessForm parse_hardness(const std::string& name) {
  if (name == "released") return HardnessForm::kReleased;
  if (name == "intended") return HardnessForm::kIntended;
  throw InputError("d2ace: hardness must be released or intended, got '" + name + "'");
}

torch::Tensor noise_resistant_hardness(const torch::Tensor& last_loss, const torch::Tensor& flip_ema,
                                       HardnessForm form) {
  torch::Tensor g = form == HardnessForm::kReleased ? 2.0 - (-last_loss).exp() : -torch::expm1(-last_loss);
  return g.mul_(1.0 - flip_ema);
}

}  // namespace d2ace
