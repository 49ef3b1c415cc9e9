// infobatch: InfoBatch (Qin et al., "InfoBatch: Lossless Training Speed Up by Unbiased Dynamic Data
// Pruning", ICLR 2024), in a multi-label form. Not a sampler but a pruner: epochs get fewer steps.
//
// Score: each instance's latest training loss. Multi-label form (ours; the paper is single-label):
//   score=sum (default)  the sum of its per-label BCE;
//   score=balanced       the mean over its positive labels and as many of its negatives, those of
//                        largest loss (fewer when it has fewer negatives; all labels when it has
//                        no positive), so that the many easy negatives of a sparse label set do
//                        not decide which instances count as learned.
// Scores start equal (3, as the official code), so the first epoch prunes nothing.
// Each pruning epoch e < delta * E: the instances scoring below the pool's mean are "well
// learned"; floor((1 - ratio) |W|) of them, drawn at random, stay and the rest sit the epoch out;
// the kept well-learned instances' losses are weighted 1 / (1 - ratio) (through the plan's
// per-instance weights), so the epoch's gradient stays an unbiased estimate of the full one. The
// epoch visits what is left in a random order, in ceil(kept / b) steps. The last (1 - delta) of the
// epochs use the whole pool, unweighted: uniform permutations.
// Defaults: ratio = 0.5, delta = 0.875 (the paper's).
//
// Against the official code (NUS-HPC-AI-Lab/InfoBatch, infobatch/infobatch.py): it prunes while
// e <= delta * E, one epoch more when delta * E is a whole number (here: exactly the last
// (1 - delta) are full); and it leaves the last pruning epoch's weights on in the full epochs
// unless delta * E is a whole number, which breaks the unbiasedness it is built on (here: full
// epochs are unweighted). It clamps the kept fraction to at least 0.1; here ratio must lie in
// [0, 0.9].
#pragma once

#include <ATen/core/Generator.h>

#include "core/selector.h"

namespace d2ace {

struct InfoBatchConfig {
  double ratio = 0.5;     // r: the fraction of well-learned instances left out of a pruning epoch
  double delta = 0.875;   // pruning epochs: e < delta * E
  bool balanced = false;  // score=balanced instead of the BCE sum
};

class InfoBatchSelector : public Selector {
 public:
  explicit InfoBatchSelector(InfoBatchConfig c) : config_(c) {}
  Observation needs() const override { return Observation::kLosses; }
  void attach(const TrainingPool& pool) override;
  EpochPlan plan_epoch(int64_t epoch) override;
  void observe(const torch::Tensor& indices, const torch::Tensor& probabilities,
               const torch::Tensor& losses) override;
  // pruned: the fraction of the pool left out of the epoch; well_learned: the fraction below the
  // mean score (both 0 in full epochs).
  std::map<std::string, double> diagnostics() const override;

  const torch::Tensor& scores() const { return scores_; }

 private:
  // The tensor form of observe: row sums (or balanced scores) put at the batch's instances.
  void observe_reference(const torch::Tensor& indices, const torch::Tensor& losses);

  InfoBatchConfig config_;
  torch::Tensor labels_;  // [N, q], for score=balanced
  torch::Tensor scores_;  // [N] float, the latest score of each instance
  int64_t batch_size_ = 1, epochs_ = 1;
  at::Generator generator_;
  double pruned_ = 0, well_learned_ = 0;
};

// A pruning epoch from the pool's scores [N]: the order of its visits [m] (long) and each visit's
// loss weight [m] (float: 1, or 1 / (1 - ratio) for a kept well-learned instance), drawing two
// randperms from `generator`; `learned` instances scored below the mean, `kept` of them stay.
// prune_well_learned is one C++ pass on CPU floats and runs prune_well_learned_reference, the
// tensor operations, anywhere else; both give the same plan from the same generator, index for
// index.
struct InfoBatchPruning {
  torch::Tensor order, weights;
  int64_t learned = 0, kept = 0;
};
InfoBatchPruning prune_well_learned(const torch::Tensor& scores, double ratio,
                                    at::Generator& generator);
InfoBatchPruning prune_well_learned_reference(const torch::Tensor& scores, double ratio,
                                              at::Generator& generator);

// The score=balanced instance scores of a batch: losses and labels [b, q] -> [b] (see above).
torch::Tensor balanced_instance_loss(const torch::Tensor& losses, const torch::Tensor& labels);

}  // namespace d2ace
