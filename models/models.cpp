// The built-in backbones: the simple MLP, the paper's CLIF, DELA, MPVAE and PACA, and the image
// track's cnn.
#include "models/clif.h"
#include "models/cnn.h"
#include "models/dela.h"
#include "models/mlp.h"
#include "models/mpvae.h"
#include "models/paca.h"

namespace d2ace {

// A model's version changes whenever its code changes meaning; reports record it.
void register_models(ModelRegistry& registry) {
  registry.add({"mlp", "multi-layer perceptron, BCE per label (binary relevance)",
                mlp_params().specs(), "mlp-1", make_mlp});
  registry.add({"clif", "CLIF (Hang & Zhang, TPAMI 2022): label GIN + label-specific features",
                clif_params().specs(), "clif-1", make_clif});
  registry.add(
      {"dela",
       "DELA (Hang & Zhang, ICML 2022): stochastic label-specific features with Concrete gates",
       dela_params().specs(), "dela-1", make_dela});
  registry.add({"mpvae",
                "MPVAE (Bai, Kong & Gomes, IJCAI 2020): VAE with a multivariate probit decoder",
                mpvae_params().specs(), "mpvae-1", make_mpvae});
  registry.add(
      {"paca",
       "PACA (Hang et al., AAAI 2022): probabilistic label-specific features, flow prototypes",
       paca_params().specs(), "paca-1", make_paca});
  registry.add({"cnn", "ResNet-18-style CNN for small images (image datasets only), BCE per label",
                cnn_params().specs(), "cnn-1", make_cnn});
}

bool reads_images(const std::string& name) { return name == "cnn"; }

}  // namespace d2ace
