// D2ACE's dynamic label weights, the "label-level dynamics" (method.md §3.3):
//   v_j = exp(½ mean_i m_ij + ½ std_i m_ij), per metric m (uncertainty or hardness), every epoch,
// over all N instances, population std (numpy's ddof = 0), not normalised.
#pragma once

#include <torch/types.h>

namespace d2ace {

// [N, q] -> [q]. On CPU (float) two C++ passes over the rows with double sums;
// dynamic_label_weights_reference, the tensor operations in float, agrees within float rounding.
torch::Tensor dynamic_label_weights(const torch::Tensor& metric);
torch::Tensor dynamic_label_weights_reference(const torch::Tensor& metric);

}  // namespace d2ace
