// The interface every multi-label backbone offers the trainer and the selectors.
//
// A model maps features [b, d] to logits [b, q]. For training it gives, from one forward pass,
// the per-entry loss matrix [b, q] (what the selectors observe) and the full training loss (what
// is back-propagated; for a plain BCE model the mean of the matrix, for others plus extra terms).
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/registry.h"

namespace d2ace {

// What a model is built for: the input and output widths, the training labels of the fold (CLIF's
// co-occurrence graph reads them; undefined when only the parameters are being checked) and the
// model's own seed (for the random draws a model makes at prediction time, e.g. MPVAE's probit
// samples, so that evaluation is reproducible). For a model that reads images (reads_images),
// `image` is {C, H, W} and its input rows are uint8 pixels [b, C*H*W]; `features` is C*H*W.
struct ModelShape {
  int64_t features = 0;
  int64_t labels = 0;
  torch::Tensor train_labels;  // [N, q] float {0, 1}, or undefined
  uint64_t seed = 0;
  std::vector<int64_t> image;  // {C, H, W} for image input, else empty
};

// Parameters that train at `lr_scale` times the trainer's learning rate (DELA's gates: 0.8).
struct ParameterGroup {
  std::vector<torch::Tensor> parameters;
  double lr_scale = 1.0;
};

struct TrainingOutput {
  torch::Tensor logits;       // [b, q]
  torch::Tensor loss_matrix;  // [b, q], per-entry loss
  torch::Tensor loss;         // scalar, what backward() runs on
};

class MultiLabelModel : public torch::nn::Module {
 public:
  // Logits for evaluation (call under eval() and NoGradGuard).
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // One training forward pass on a batch with its targets [b, q]. `weights` [b] are per-instance
  // loss weights from the selector (InfoBatch's rescaling), or undefined: each instance's part of
  // the training loss is multiplied by its weight (instance_mean), and the loss matrix stays
  // unweighted. Undefined weights give exactly the unweighted loss.
  virtual TrainingOutput training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                          const torch::Tensor& weights) = 0;
  // The optimiser's parameter groups; by default one group with every parameter.
  virtual std::vector<ParameterGroup> parameter_groups() { return {{parameters(), 1.0}}; }
};

using ModelRegistry = Registry<std::shared_ptr<MultiLabelModel>, const Params&, ModelShape>;

void register_models(ModelRegistry& registry);

// Whether model `name` reads images (uint8 pixels, ModelShape::image) rather than features: cnn.
// Other models take an image dataset's pixels as features in [0, 1].
bool reads_images(const std::string& name);

}  // namespace d2ace
