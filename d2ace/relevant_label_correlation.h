// D2ACE's relevant-label correlation (method.md §3.5): each metric masked by the ground truth so
// that only relevant (positive) labels contribute, column cosine similarity between labels with
// ε = 1e-8 added to each column norm, then rows normalised:
//   C_jk = <M̃_:j, M̃_:k> / ((|M̃_:j| + ε)(|M̃_:k| + ε)),  Ĉ_jk = C_jk / (Σ_k' C_jk' + ε),  M̃ = M ⊙ Y.
// Recomputed every epoch. The ablation `mask=all` uses M̃ = M (all labels, relevant or not).
// With the mask, the Gram matrix M̃ᵀM̃ only has terms m_ij m_ik for pairs of ones (j, k) in the
// same row of Y. Two forms give the same values up to summation order, and the cheaper one is
// chosen once per run (prefer_dense_products):
//   * pair lists: the pairs are listed once, and an epoch costs O(Σ_i |Y_i|²) gathers and a
//     scatter-add -- for corel5k about 50 000 pairs instead of the dense 2 N q² = 1 GFLOP;
//   * dense: the product (M ⊙ Y)ᵀ(M ⊙ Y), O(N q²) multiply-adds in BLAS, each far cheaper than a
//     listed pair -- for few labels (yeast: 36 000 pairs against N q² = 340 000) it wins, and it
//     is the only form for dense label sets, where the lists would outnumber the entries of Y
//     (Σ_i |Y_i|² > max(N q, 4 M)) and cost more memory than they save.
// Without the mask it is a dense product, O(N q²).
#pragma once

#include <torch/types.h>

namespace d2ace {

constexpr double kCosineEps = 1e-8;
// Pair lists are kept up to max(N q, this many pairs); past that the dense products are used.
constexpr int64_t kMinDenseSwitch = int64_t{1} << 22;
// How many multiply-adds of a dense product a listed pair is counted as. Measured one-threaded
// (bench_micro's BM_RelevantCorrelation), a pair costs 17 (q = 6) to 850 (q = 1000) multiply-adds,
// the product getting cheaper per multiply-add as q grows; 100 picks the faster form at every
// shape measured: yeast (N q² = 9.5 x pairs) dense 21 µs vs pairs 103 µs, N = 10⁴, q = 100 at 5 %
// density (338 x) pairs 0.84 ms vs dense 4.2 ms, corel5k (9 000 x) pairs 0.24 ms vs dense 6.3 ms.
constexpr int64_t kPairCostInMultiplyAdds = 100;

// The form rule shared by the correlation and the enhancement: dense products of N q² multiply-adds
// rather than `pairs` listed pairs, either because they are cheaper or because the lists would
// be too long (`max_pairs` >= 0 overrides the rule: tests pick a form with 0 or a huge value).
bool prefer_dense_products(int64_t n, int64_t q, int64_t pairs, int64_t max_pairs = -1);

// For every entry of `lengths` (int64 [m]), `lengths[e]` consecutive slots: the owner e of each
// slot and its offset 0..lengths[e]-1 ([P] each, P = sum of lengths). The vectorised form of
// "for e, for o < lengths[e]".
std::pair<torch::Tensor, torch::Tensor> expand_segments(const torch::Tensor& lengths);

// The positions of Y's ones (row-major), fixed for a run, and the pairs of ones sharing a row.
struct RelevantEntries {
  torch::Tensor rows, cols;  // [nnz] int64
  torch::Tensor flat;        // [nnz] rows q + cols: the ones' positions in a flattened [N, q]
  torch::Tensor row_start;   // [N + 1]: ones of row i are entries row_start[i] .. row_start[i+1]-1
  torch::Tensor pair_a, pair_b;  // [Σ_i |Y_i|²] entry indices of every ordered pair within a row
  torch::Tensor pair_cell;  // [Σ_i |Y_i|²] the pair's flat cell j q + k in the q x q Gram matrix
  torch::Tensor mask;       // Y itself, when the dense form is chosen (pair_a undefined)
  int64_t n = 0, q = 0;
  // `max_pairs`: see prefer_dense_products.
  static RelevantEntries of(const torch::Tensor& Y, int64_t max_pairs = -1);
};

// The values of M [N, q] at Y's ones, [nnz].
torch::Tensor at_ones(const torch::Tensor& M, const RelevantEntries& relevant);

// Ĉ [q, q] from metric M [N, q]; `relevant` null: no mask.
torch::Tensor relevant_label_correlation(const torch::Tensor& M, const RelevantEntries* relevant);

// The masked Gram matrix [q, q] from the pair lists (relevant.pair_a defined): Σ m_a m_b over the
// listed pairs, into their cells. On CPU (float) one C++ loop in list order; pair_gram_reference
// (gathers and index_add_, which adds in the same order) gives the same values bit for bit.
torch::Tensor pair_gram(const torch::Tensor& M, const RelevantEntries& relevant);
torch::Tensor pair_gram_reference(const torch::Tensor& M, const RelevantEntries& relevant);

// Ĉ from the Gram matrix G [q, q]: cosine similarities G_jk / (n_j n_k), n_j = sqrt(G_jj) + ε, each
// row then divided by its sum + ε. On CPU one C++ pass; cosine_rows_reference, the tensor
// operations, agrees within float rounding (row sums in double).
torch::Tensor cosine_rows(const torch::Tensor& gram);
torch::Tensor cosine_rows_reference(const torch::Tensor& gram);

}  // namespace d2ace
