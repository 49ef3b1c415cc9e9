// D2ACE's dynamic label weights, the "label-level dynamics" (method.md §3.3):
//   v_j = exp(½ mean_i m_ij + ½ std_i m_ij), per metric m (uncertainty or hardness), every epoch,
// over all N instances, population std (numpy's ddof = 0), not normalised.
#pragma once

#include <torch/types.h>

namespace d2ace {

torch::Tensor dynamic_label_weights(const torch::Tensor& metric);  // [N, q] -> [q]

}  // namespace d2ace
