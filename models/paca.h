// PACA: Hang, Zhang, Feng, Xu & Cheng, "End-to-End Probabilistic Label-Specific Feature Learning
// for Multi-Label Classification", AAAI 2022; as the released D2ACE code builds it (method.md
// §7.3).
//
// Probabilistic autoencoders: features x -> 256 -> 512 -> 256 (ReLU, dropout 0.1) -> Gaussian
// code over L = ceil(d/2) dimensions, decoded L -> 256 -> 512 -> 256 -> d; labels y -> 512 -> 256
// (dropout 0.1) -> Gaussian code, decoded L -> 256 -> 512 -> Linear -> q label logits. An
// instance-conditional map [x, z_x] -> 256 -> 256 -> L places the instance in the latent space,
// where each label j has a positive and a negative prototype: a density over the latent space
// given by a conditional normalising flow (conditioned on the label's one-hot code) made of
//   CondNAF: a neural autoregressive flow with deep sigmoidal layers (Huang et al. 2018): a masked
//     autoregressive conditioner (L -> 256 -> L x P, ELU, P = 3 floor(256 / L), at least 3 here)
//     followed by Linear(P, 48) giving per dimension the 16 (a, b, w) of one sigmoidal layer;
//   CondAF: an affine flow z = x a(y) + b(y), a = softplus, initialised near the identity.
// The log-densities of the instance under the negative and positive prototypes of each label
// are the two class scores: p(y_j = 1 | x) = softmax over (neg, pos) = sigmoid(pos - neg), so the
// logits are pos - neg.
// Loss: sum-of-squares reconstruction of x through a sigmoid (batch mean) + gamma (10) * (KL
// between the feature and label codes + q * multilabel soft margin of the label logits) + alpha (2)
// * q * cross-entropy of the prototype scores. Training samples both codes; evaluation uses their
// means. The loss matrix (what selectors observe), and the training logits, are the label
// autoencoder's, as the released hook has it.
// Departure: P = 3 floor(256 / L) is 0 in the reference when d > 512, which leaves the flow
// unconditioned on the instance; here floor(256 / L) is at least 1.
// Parameters: alpha (2), gamma (10), dropout (0.1).
// Recipe under --protocol backbone-papers (bench/protocols.cpp): weight decay 1e-5 and a fixed rate
// (PACA's settings in the D2ACE code); Adam 1e-3, batch 128, 200 epochs (its authors' framework
// defaults, DELA's main.py).
#pragma once

#include <torch/nn/modules/linear.h>

#include "models/layers.h"
#include "models/model.h"

namespace d2ace {

struct PacaOptions {
  double alpha = 2.0;
  double gamma = 10.0;
  double dropout = 0.1;
};

// One conditional flow: CondNAF (one deep sigmoidal layer of 16 units) then CondAF.
class PrototypeFlowImpl : public torch::nn::Module {
 public:
  PrototypeFlowImpl(int64_t dims, int64_t cond, int64_t hidden);
  // log density of x [..., L] given the condition [..., c] (broadcast), [...]
  torch::Tensor log_prob(const torch::Tensor& x, const torch::Tensor& condition);

 private:
  int64_t dims_, params_per_dim_;
  static constexpr int64_t kSigmoids = 16;
  torch::nn::Linear masked_in_{nullptr}, masked_out_{nullptr}, cond_in_{nullptr},
      to_sigmoids_{nullptr};
  torch::Tensor mask_in_, mask_out_;
  torch::nn::Linear a1_{nullptr}, a2_{nullptr}, a3_{nullptr}, b1_{nullptr}, b2_{nullptr},
      b3_{nullptr};
};
TORCH_MODULE(PrototypeFlow);

class PacaImpl : public MultiLabelModel {
 public:
  PacaImpl(const ModelShape& shape, PacaOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;
  TrainingOutput training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                  const torch::Tensor& weights) override;

 private:
  torch::Tensor prototype_scores(const torch::Tensor& z);  // [b, 2, q]: (negative, positive)

  PacaOptions options_;
  int64_t labels_ = 0;
  FeedForward encoder_{nullptr}, decoder_{nullptr}, label_encoder_{nullptr},
      label_decoder_{nullptr}, instance_map_{nullptr};
  torch::nn::Linear mu_{nullptr}, logvar_{nullptr}, label_mu_{nullptr}, label_logvar_{nullptr},
      label_classifier_{nullptr};
  torch::Tensor label_codes_;  // buffer: one-hot [1, q, q]
  PrototypeFlow positive_{nullptr}, negative_{nullptr};
};
TORCH_MODULE(Paca);

// The parameters, bound to PacaOptions's fields (defaults there), and the factory.
const ParamTable<PacaOptions>& paca_params();
std::shared_ptr<MultiLabelModel> make_paca(const Params& p, const ModelShape& shape);

}  // namespace d2ace
