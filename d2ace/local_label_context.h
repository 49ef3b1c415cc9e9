// D2ACE's local label context (method.md §3.4): z_ij = 1 when instance i or one of its k = 6
// nearest neighbours (Euclidean, on the training features, computed once per run) has label j.
// Z ≥ Y entry by entry. The ablation `context=global` uses Z = 1 (every label counts as present).
#pragma once

#include <torch/types.h>

namespace d2ace {

// Y [N, q]; neighbours [N, k + 1] including each instance itself -> Z [N, q] in {0, 1}.
torch::Tensor local_label_context(const torch::Tensor& Y, const torch::Tensor& neighbours);

}  // namespace d2ace
