#include "d2ace/local_label_context.h"

namespace d2ace {

torch::Tensor local_label_context(const torch::Tensor& Y, const torch::Tensor& neighbours) {
  // One pass per neighbour rank (k + 1 of them), each a row gather over all instances.
  torch::Tensor Z = torch::zeros_like(Y);
  for (int64_t c = 0; c < neighbours.size(1); ++c)
    Z = torch::maximum(Z, Y.index_select(0, neighbours.select(1, c)));
  return Z;
}

}  // namespace d2ace
