#include "baselines/baselines.h"

#include "baselines/active_bias.h"
#include "baselines/hard_imbalance.h"
#include "baselines/online_batch.h"
#include "baselines/recency_bias.h"
#include "baselines/uncertainty_correlation.h"
#include "baselines/uniform.h"
#include "baselines/uniform_iid.h"
#include "core/error.h"

namespace d2ace {
namespace {

int64_t warmup_of(const Params& p) {
  int64_t w = p.get_int("warmup");
  if (w < 0) throw InputError("warmup must be >= 0");
  return w;
}

double pressure_of(const Params& p, const std::string& key) {
  double s = p.get_double(key);
  if (s < 1)
    throw InputError(key + " (a selection pressure) must be >= 1, got " + p.get_string(key));
  return s;
}

const ParamSpec kWarmup10{"warmup", "10", "uniform epochs before selection starts"};

}  // namespace

void register_baselines(SelectorRegistry& registry) {
  registry.add({"uniform", "control: a fresh random permutation each epoch", {}, [](const Params&) {
                  return SelectorBuild{std::make_unique<UniformSelector>(), "uniform-1"};
                }});

  registry.add({"uniform-iid",
                "control: independent uniform batches through the adaptive drawing code",
                {},
                [](const Params&) {
                  return SelectorBuild{std::make_unique<UniformIidSelector>(), "uniform-iid-1"};
                }});

  registry.add(
      {"online-batch",
       "loss: rank-based selection by latest loss (Loshchilov & Hutter 2016)",
       {{"s0", "100", "selection pressure at the start"},
        {"s_end", "1", "selection pressure at the end (whole-run schedule)"},
        {"schedule", "whole-run",
         "whole-run (s0 -> s_end over the run) or decaying (s0 -> 1 after warm-up)"},
        {"warmup", "1", "uniform epochs before selection starts"},
        {"refresh", "train-pass",
         "train-pass (losses of the training steps) or full (eval re-score of all N each epoch)"}},
       [](const Params& p) {
         OnlineBatchConfig c;
         c.s0 = pressure_of(p, "s0");
         c.s_end = pressure_of(p, "s_end");
         const std::string& schedule = p.get_string("schedule");
         if (schedule != "whole-run" && schedule != "decaying")
           throw InputError("online-batch: schedule must be whole-run or decaying");
         c.decaying = schedule == "decaying";
         c.warmup = warmup_of(p);
         const std::string& refresh = p.get_string("refresh");
         if (refresh != "train-pass" && refresh != "full")
           throw InputError("online-batch: refresh must be train-pass or full");
         c.full_refresh = refresh == "full";
         return SelectorBuild{std::make_unique<OnlineBatchSelector>(c), "online-batch-1"};
       }});

  registry.add({"active-bias",
                "uncertainty (variance): Active Bias SGD-SPV (Chang et al. 2017)",
                {{"eps", "0.02", "smoothness added to every score"}, kWarmup10},
                [](const Params& p) {
                  ActiveBiasConfig c;
                  c.eps = p.get_double("eps");
                  if (!(c.eps > 0)) throw InputError("active-bias: eps must be > 0");
                  c.warmup = warmup_of(p);
                  return SelectorBuild{std::make_unique<ActiveBiasSelector>(c), "active-bias-1"};
                }});

  registry.add({"recency-bias",
                "uncertainty (entropy): Recency Bias (Song et al. 2020), per-label windows",
                {{"window", "10", "predictions kept per label"},
                 {"s0", "100", "selection pressure at the end of warm-up"},
                 kWarmup10},
                [](const Params& p) {
                  RecencyBiasConfig c;
                  c.window = p.get_int("window");
                  c.s0 = pressure_of(p, "s0");
                  c.warmup = warmup_of(p);
                  if (c.window < 1) throw InputError("recency-bias: window must be >= 1");
                  if (c.warmup < c.window)
                    throw InputError(
                        "recency-bias: warmup must be >= window (the paper's condition)");
                  return SelectorBuild{std::make_unique<RecencyBiasSelector>(c), "recency-bias-1"};
                }});

  registry.add(
      {"uncertainty-correlation",
       "correlation: windowed uncertainty + dynamic MI label correlation (Zhou et al., AAAI 2025)",
       {{"window", "5", "predictions kept per label (T)"},
        {"lambda", "0.5", "weight of the fluctuation against the entropy"},
        {"s0", "8", "selection pressure at the end of warm-up"},
        kWarmup10,
        {"bins", "10", "equal-width bins of the mutual-information estimate"},
        {"mi_labels", "32", "labels (highest mean uncertainty) among which MI is computed"},
        {"mi_sample", "1024", "instances (evenly strided) on which MI is estimated"}},
       [](const Params& p) {
         UncertaintyCorrelationConfig c;
         c.window = p.get_int("window");
         c.lambda = p.get_double("lambda");
         c.s0 = pressure_of(p, "s0");
         c.warmup = warmup_of(p);
         c.bins = p.get_int("bins");
         c.mi_labels = p.get_int("mi_labels");
         c.mi_sample = p.get_int("mi_sample");
         if (c.window < 2 || c.bins < 2 || c.mi_labels < 1 || c.mi_sample < 2 || c.lambda < 0 ||
             c.lambda > 1)
           throw InputError(
               "uncertainty-correlation: need window >= 2, bins >= 2, mi_labels >= 1, "
               "mi_sample >= 2, lambda in [0,1]");
         return SelectorBuild{std::make_unique<UncertaintyCorrelationSelector>(c),
                              "uncertainty-correlation-1"};
       }});

  registry.add(
      {"hard-imbalance",
       "loss x imbalance: global (IRLbl) and local (kNN) imbalance weights (after Zhou et al., "
       "ECML PKDD 2024)",
       {{"k", "5", "neighbours for the local imbalance"},
        {"s0", "8", "selection pressure at the end of warm-up"},
        kWarmup10},
       [](const Params& p) {
         HardImbalanceConfig c;
         c.k = p.get_int("k");
         c.s0 = pressure_of(p, "s0");
         c.warmup = warmup_of(p);
         if (c.k < 1) throw InputError("hard-imbalance: k must be >= 1");
         return SelectorBuild{std::make_unique<HardImbalanceSelector>(c), "hard-imbalance-1"};
       }});
}

}  // namespace d2ace
