// MPVAE: Bai, Kong & Gomes, "Disentangled Variational Autoencoder based Multi-Label Classification
// with Covariance-Aware Multivariate Probit Model", IJCAI 2020; as the released D2ACE code builds
// it (method.md §7.3).
//
// A label encoder q(z | x, y) ([x, y] -> 512 -> 256) and a feature encoder p(z | x) (x -> 256 ->
// 256), both Gaussian over L = max(1, floor(d/2)) dimensions; two decoders [x, z] -> 256 -> 512 ->
// q give probit means, one from a label-encoder sample (training branch), one from a
// feature-encoder sample (the branch used for prediction). The multivariate probit shares a
// low-rank residual covariance R R^T + I, R [q, r] with r = max(16, L), initialised U(-0.01, 0.01).
// Training draws S noise vectors n ~ N(0, I_r) per instance (shared by both branches) and takes
// E = Phi(mu + R n), clamped to [eps/2, 1 - eps/2] (eps 1e-6). Loss per branch: the sampled NLL
// -log mean_S prod_j E^y (1 - E)^(1 - y), and the pairwise ranking loss
// mean over S of sum_{y_i = 1, y_k = 0} exp(-5 (E_i - E_k)) / (5 |pos| |neg|); total
// nll_coeff (0.1) * NLL + rank_coeff (200) * ranking + kl_coeff (1.1) * KL(q(z|x,y) || p(z|x)).
// The ranking double sum factorises as (sum_pos e^{-5 E_i}) (sum_neg e^{5 E_k}), so it costs O(S b
// q) and no [S, b, q, q] tensor is ever built (the reference builds one, which does not fit for
// hundreds of labels); the value is the same.
// Prediction averages Phi over test_samples (1000) noise draws for one feature-encoder sample; the
// logits reported are log(p / (1 - p)). Its random draws come from the model's own seed, renewed
// at each call, so evaluating the same input twice gives the same output.
// The loss matrix (what selectors observe) is the BCE of the label branch's probit means as logits.
// Parameters: train_samples (100), test_samples (1000), nll_coeff, rank_coeff, kl_coeff.
// Recipe under --protocol backbone-papers (bench/protocols.cpp, from JunwenBai/MPVAE): Adam 1e-3
// (yeast 6e-4, scene 2e-3) times 0.8 four times over the run, L2 weight decay 1e-5, batch 128,
// 200 epochs (yeast 800, scene 400), rank_coeff 200 (yeast 20, scene 40), the threshold tuned on
// validation for macro-F1.
#pragma once

#include <torch/nn/modules/linear.h>

#include "models/layers.h"
#include "models/model.h"

namespace d2ace {

struct MpvaeOptions {
  int64_t train_samples = 100;
  int64_t test_samples = 1000;
  double nll_coeff = 0.1;
  double rank_coeff = 200.0;
  double kl_coeff = 1.1;
};

class MpvaeImpl : public MultiLabelModel {
 public:
  MpvaeImpl(const ModelShape& shape, MpvaeOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;
  TrainingOutput training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                  const torch::Tensor& weights) override;

 private:
  struct Gaussian {
    torch::Tensor mu, logvar;
  };
  Gaussian encode_features(const torch::Tensor& x);
  Gaussian encode_labels(const torch::Tensor& x, const torch::Tensor& y);
  static torch::Tensor sample(const Gaussian& g);
  torch::Tensor decode(FeedForward& decoder, const torch::Tensor& x, const torch::Tensor& z);

  MpvaeOptions options_;
  uint64_t seed_ = 0;
  FeedForward label_encoder_{nullptr}, feature_encoder_{nullptr}, label_decoder_{nullptr},
      feature_decoder_{nullptr};
  torch::nn::Linear label_mu_{nullptr}, label_logvar_{nullptr}, feature_mu_{nullptr},
      feature_logvar_{nullptr};
  torch::Tensor covariance_root_;  // R [q, r]
};
TORCH_MODULE(Mpvae);

// The two probit terms of one branch, from E [S, b, q] and targets [b, q]: the sampled NLL (batch
// mean) and the pairwise ranking loss (mean over S and b), in the factorised form; `weights` [b]
// weight each instance's terms (instance_mean), undefined for none.
std::pair<torch::Tensor, torch::Tensor> probit_nll_and_ranking(const torch::Tensor& E,
                                                               const torch::Tensor& y,
                                                               const torch::Tensor& weights);

// The parameters, bound to MpvaeOptions's fields (defaults there), and the factory.
const ParamTable<MpvaeOptions>& mpvae_params();
std::shared_ptr<MultiLabelModel> make_mpvae(const Params& p, const ModelShape& shape);

}  // namespace d2ace
