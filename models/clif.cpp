#include "models/clif.h"

#include <torch/nn/init.h>

#include "core/error.h"

namespace d2ace {

ClifImpl::ClifImpl(const ModelShape& shape, ClifOptions options) : options_(options) {
  const int64_t q = shape.labels, h = options.hidden;
  torch::Tensor A = torch::zeros({q, q});
  if (options.cooccurrence_graph && shape.train_labels.defined()) {
    torch::Tensor Y = shape.train_labels.to(torch::kCPU, torch::kFloat);
    A = (Y.t().mm(Y) > 0).to(torch::kFloat).fill_diagonal_(0);
  } else if (!options.cooccurrence_graph) {
    A = torch::eye(q);
  }
  adjacency_ = register_buffer("adjacency", A);
  link_target_ = register_buffer("link_target", A + torch::eye(q));
  label_embedding_ = register_buffer("label_embedding", torch::randn({q, q}));
  for (int layer = 0; layer < 2; ++layer) {
    FeedForwardOptions o;
    o.in = q;
    o.out = q;
    o.hidden = {(q + 1) / 2};
    o.activation = Activation::kLeakyRelu;
    o.dropout = options.dropout;
    o.batch_norm = true;
    gin_mlps_.push_back(register_module("gin" + std::to_string(layer), FeedForward(o)));
    gin_eps_.push_back(register_parameter("gin_eps" + std::to_string(layer), torch::zeros({1})));
  }
  FeedForwardOptions f;
  f.in = shape.features;
  f.out = h;
  f.hidden = {h, h};
  f.activation = Activation::kLeakyRelu;
  f.dropout = options.dropout;
  features_ = register_module("features", FeedForward(f));
  label_projection_ = register_module("label_projection", torch::nn::Linear(q, h));
  {
    torch::NoGradGuard guard;
    torch::nn::init::kaiming_uniform_(label_projection_->weight, 0.0, torch::kFanIn,
                                      torch::kSigmoid);
    label_projection_->bias.zero_();
  }
  FeedForwardOptions i;
  i.in = h;
  i.out = h;
  i.activation = Activation::kLeakyRelu;
  i.dropout = options.dropout;  // unused: a single layer has no dropout, as in the reference
  interaction_ = register_module("interaction", FeedForward(i));
  classifier_ = register_module("classifier", PerLabelLinear(q, h));
}

std::pair<torch::Tensor, torch::Tensor> ClifImpl::logits_and_embedding(const torch::Tensor& x) {
  torch::Tensor E = label_embedding_;
  for (size_t l = 0; l < gin_mlps_.size(); ++l)
    E = E + gin_mlps_[l]((1 + gin_eps_[l]) * E + adjacency_.mm(E));
  torch::Tensor code = features_(x);                                                   // [b, h]
  torch::Tensor label_code = label_projection_(E);                                     // [q, h]
  torch::Tensor specific = interaction_(code.unsqueeze(1) * label_code.unsqueeze(0));  // [b, q, h]
  return {classifier_(specific), E};
}

torch::Tensor ClifImpl::forward(const torch::Tensor& x) { return logits_and_embedding(x).first; }

TrainingOutput ClifImpl::training_forward(const torch::Tensor& x, const torch::Tensor& y,
                                          const torch::Tensor& weights) {
  auto [logits, E] = logits_and_embedding(x);
  TrainingOutput out;
  out.logits = logits;
  out.loss_matrix = bce_loss_matrix(logits, y);
  torch::Tensor unit = E / (E.norm(2, 1, /*keepdim=*/true) + 1e-6);
  torch::Tensor link = (link_target_ - unit.mm(unit.t())).pow(2).mean();
  out.loss = instance_mean(out.loss_matrix, weights) + options_.link_weight * link;
  return out;
}

const ParamTable<ClifOptions>& clif_params() {
  using O = ClifOptions;
  static const auto table =
      ParamTable<O>()
          .choice("label_graph", &O::cooccurrence_graph,
                  {{"identity", false}, {"cooccurrence", true}},
                  "identity (the released code, Q5) or cooccurrence (original CLIF)")
          .field("hidden", &O::hidden, "width of the feature and label-specific layers")
          .field("dropout", &O::dropout, "dropout in the feature branch and the GIN")
          .field("link_weight", &O::link_weight,
                 "weight of the cosine link-prediction loss on the label embeddings");
  return table;
}

std::shared_ptr<MultiLabelModel> make_clif(const Params& p, const ModelShape& shape) {
  const ClifOptions o = clif_params().fill(p);
  check_dropout(o.dropout, "clif");
  if (o.hidden < 1) throw InputError("clif: hidden must be at least 1");
  if (!(o.link_weight >= 0)) throw InputError("clif: link_weight must be non-negative");
  return std::make_shared<ClifImpl>(shape, o);
}

}  // namespace d2ace
