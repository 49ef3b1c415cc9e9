#include "baselines/baselines.h"

#include "baselines/active_bias.h"
#include "baselines/hard_imbalance.h"
#include "baselines/infobatch.h"
#include "baselines/online_batch.h"
#include "baselines/recency_bias.h"
#include "baselines/uncertainty_correlation.h"
#include "baselines/uniform.h"
#include "baselines/uniform_iid.h"
#include "core/error.h"

namespace d2ace {
namespace {

void check_warmup(int64_t warmup) {
  if (warmup < 0) throw InputError("warmup must be >= 0");
}

void check_pressure(double s, const std::string& key) {
  if (s < 1) throw InputError(key + " (a selection pressure) must be >= 1, got " + param_text(s));
}

// Each selector's parameters, bound to its config's fields (the defaults are there).
const ParamTable<OnlineBatchConfig>& online_batch_params() {
  using C = OnlineBatchConfig;
  static const auto table =
      ParamTable<C>()
          .field("s0", schedule_s0<C>, "selection pressure at the start")
          .field("s_end", &C::s_end, "selection pressure at the end (whole-run schedule)")
          .choice("schedule", &C::decaying, {{"whole-run", false}, {"decaying", true}},
                  "whole-run (s0 -> s_end over the run) or decaying (s0 -> 1 after warm-up)")
          .field("warmup", schedule_warmup<C>, "uniform epochs before selection starts")
          .choice("refresh", &C::full_refresh, {{"train-pass", false}, {"full", true}},
                  "train-pass (losses of the training steps) or full (eval re-score of all N "
                  "each epoch)");
  return table;
}

const ParamTable<ActiveBiasConfig>& active_bias_params() {
  using C = ActiveBiasConfig;
  static const auto table =
      ParamTable<C>()
          .field("eps", &C::eps, "smoothness added to every score")
          .field("warmup", &C::warmup, "uniform epochs before selection starts");
  return table;
}

const ParamTable<RecencyBiasConfig>& recency_bias_params() {
  using C = RecencyBiasConfig;
  static const auto table =
      ParamTable<C>()
          .field("window", &C::window, "predictions kept per label")
          .field("s0", schedule_s0<C>, "selection pressure at the end of warm-up")
          .field("warmup", schedule_warmup<C>, "uniform epochs before selection starts");
  return table;
}

const ParamTable<UncertaintyCorrelationConfig>& uncertainty_correlation_params() {
  using C = UncertaintyCorrelationConfig;
  static const auto table =
      ParamTable<C>()
          .field("window", &C::window, "predictions kept per label (T)")
          .field("lambda", &C::lambda, "weight of the fluctuation against the entropy")
          .field("s0", schedule_s0<C>, "selection pressure at the end of warm-up")
          .field("warmup", schedule_warmup<C>, "uniform epochs before selection starts")
          .field("bins", &C::bins, "equal-width bins of the mutual-information estimate")
          .field("mi_labels", &C::mi_labels,
                 "labels (highest mean uncertainty) among which MI is computed")
          .field("mi_sample", &C::mi_sample, "instances (evenly strided) on which MI is estimated");
  return table;
}

const ParamTable<HardImbalanceConfig>& hard_imbalance_params() {
  using C = HardImbalanceConfig;
  static const auto table =
      ParamTable<C>()
          .field("k", &C::k, "neighbours for the local imbalance")
          .field("s0", schedule_s0<C>, "selection pressure at the end of warm-up")
          .field("warmup", schedule_warmup<C>, "uniform epochs before selection starts");
  return table;
}

const ParamTable<InfoBatchConfig>& infobatch_params() {
  using C = InfoBatchConfig;
  static const auto table =
      ParamTable<C>()
          .field("ratio", &C::ratio,
                 "fraction of the well-learned (below-mean score) instances left out of an epoch")
          .field("delta", &C::delta, "pruning epochs: e < delta * E; the rest use the whole pool")
          .choice("score", &C::balanced, {{"sum", false}, {"balanced", true}},
                  "sum (per-label BCE summed) or balanced (mean over the positives and as many "
                  "hardest negatives)");
  return table;
}

std::unique_ptr<Selector> make_infobatch(const Params& p) {
  const InfoBatchConfig c = infobatch_params().fill(p);
  if (!(c.ratio >= 0 && c.ratio <= 0.9))
    throw InputError("infobatch: ratio must be in [0, 0.9], got " + param_text(c.ratio));
  if (!(c.delta >= 0 && c.delta <= 1))
    throw InputError("infobatch: delta must be in [0, 1], got " + param_text(c.delta));
  return std::make_unique<InfoBatchSelector>(c);
}

std::unique_ptr<Selector> make_online_batch(const Params& p) {
  const OnlineBatchConfig c = online_batch_params().fill(p);
  check_pressure(c.schedule.s0, "s0");
  check_pressure(c.s_end, "s_end");
  check_warmup(c.schedule.warmup);
  return std::make_unique<OnlineBatchSelector>(c);
}

std::unique_ptr<Selector> make_active_bias(const Params& p) {
  const ActiveBiasConfig c = active_bias_params().fill(p);
  if (!(c.eps > 0)) throw InputError("active-bias: eps must be > 0");
  check_warmup(c.warmup);
  return std::make_unique<ActiveBiasSelector>(c);
}

std::unique_ptr<Selector> make_recency_bias(const Params& p) {
  const RecencyBiasConfig c = recency_bias_params().fill(p);
  check_pressure(c.schedule.s0, "s0");
  check_warmup(c.schedule.warmup);
  if (c.window < 1) throw InputError("recency-bias: window must be >= 1");
  if (c.schedule.warmup < c.window)
    throw InputError("recency-bias: warmup must be >= window (the paper's condition)");
  return std::make_unique<RecencyBiasSelector>(c);
}

std::unique_ptr<Selector> make_uncertainty_correlation(const Params& p) {
  const UncertaintyCorrelationConfig c = uncertainty_correlation_params().fill(p);
  check_pressure(c.schedule.s0, "s0");
  check_warmup(c.schedule.warmup);
  if (c.window < 2 || c.bins < 2 || c.mi_labels < 1 || c.mi_sample < 2 || c.lambda < 0 ||
      c.lambda > 1)
    throw InputError(
        "uncertainty-correlation: need window >= 2, bins >= 2, mi_labels >= 1, mi_sample >= 2, "
        "lambda in [0,1]");
  return std::make_unique<UncertaintyCorrelationSelector>(c);
}

std::unique_ptr<Selector> make_hard_imbalance(const Params& p) {
  const HardImbalanceConfig c = hard_imbalance_params().fill(p);
  check_pressure(c.schedule.s0, "s0");
  check_warmup(c.schedule.warmup);
  if (c.k < 1) throw InputError("hard-imbalance: k must be >= 1");
  return std::make_unique<HardImbalanceSelector>(c);
}

}  // namespace

// A selector's version changes whenever its code changes meaning; reports record it.
void register_baselines(SelectorRegistry& registry) {
  registry.add({"uniform",
                "control: a fresh random permutation each epoch",
                {},
                "uniform-1",
                [](const Params&) { return std::make_unique<UniformSelector>(); }});
  registry.add({"uniform-iid",
                "control: independent uniform batches through the adaptive drawing code",
                {},
                "uniform-iid-1",
                [](const Params&) { return std::make_unique<UniformIidSelector>(); }});
  registry.add({"online-batch",
                "loss: rank-based selection by latest loss (Loshchilov & Hutter 2016)",
                online_batch_params().specs(), "online-batch-1", make_online_batch});
  registry.add({"active-bias", "uncertainty (variance): Active Bias SGD-SPV (Chang et al. 2017)",
                active_bias_params().specs(), "active-bias-1", make_active_bias});
  registry.add({"recency-bias",
                "uncertainty (entropy): Recency Bias (Song et al. 2020), per-label windows",
                recency_bias_params().specs(), "recency-bias-1", make_recency_bias});
  registry.add(
      {"uncertainty-correlation",
       "correlation: windowed uncertainty + dynamic MI label correlation (Zhou et al., AAAI 2025)",
       uncertainty_correlation_params().specs(), "uncertainty-correlation-1",
       make_uncertainty_correlation});
  registry.add({"hard-imbalance",
                "loss x imbalance: global (IRLbl) and local (kNN) imbalance weights (after Zhou et "
                "al., ECML PKDD 2024)",
                hard_imbalance_params().specs(), "hard-imbalance-1", make_hard_imbalance});
  registry.add({"infobatch",
                "pruning: drops a random part of the below-mean-loss instances each epoch and "
                "reweights the rest (Qin et al., ICLR 2024)",
                infobatch_params().specs(), "infobatch-1", make_infobatch});
}

}  // namespace d2ace
