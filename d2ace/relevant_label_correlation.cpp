#include "d2ace/relevant_label_correlation.h"

namespace d2ace {

RelevantEntries RelevantEntries::of(const torch::Tensor& Y) {
  torch::Tensor nz = Y.nonzero();
  return {nz.select(1, 0).contiguous(), nz.select(1, 1).contiguous(), Y.size(0), Y.size(1)};
}

torch::Tensor relevant_label_correlation(const torch::Tensor& M, const RelevantEntries* relevant) {
  torch::Tensor gram;
  if (relevant) {
    torch::Tensor values = M.index({relevant->rows, relevant->cols});
    torch::Tensor masked = torch::sparse_coo_tensor(torch::stack({relevant->cols, relevant->rows}), values,
                                                    {relevant->q, relevant->n});  // (M ⊙ Y)ᵀ, sparse
    torch::Tensor dense = torch::zeros_like(M).index_put_({relevant->rows, relevant->cols}, values);
    gram = torch::mm(masked, dense);
  } else {
    gram = M.t().mm(M);
  }
  torch::Tensor norm = gram.diagonal().clamp_min(0).sqrt() + kCosineEps;
  torch::Tensor C = gram / norm.unsqueeze(1) / norm.unsqueeze(0);
  return C / (C.sum(1, /*keepdim=*/true) + kCosineEps);
}

}  // namespace d2ace
