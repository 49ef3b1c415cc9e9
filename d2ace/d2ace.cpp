#include "d2ace/d2ace.h"

#include "core/error.h"
#include "d2ace/d2ace_selector.h"

namespace d2ace {
namespace {

// D2ACE's parameters, bound to D2aceConfig's fields (the defaults are there, in
// SelectionSchedule and in StagewiseSchedule).
const ParamTable<D2aceConfig>& d2ace_params() {
  using C = D2aceConfig;
  // A field of StagewiseSchedule, reached through D2aceConfig::mixture.
  auto in_mixture = [](auto member) {
    return [member](C & c) -> auto& { return c.mixture.*member; };
  };
  static const auto table =
      ParamTable<C>()
          .field("window", &C::window, "predictions kept per entry (T)")
          .field("alpha", &C::alpha, "flip EMA rate")
          .field("k", &C::k, "neighbours of the local label context (plus the instance itself)")
          .field("s0", schedule_s0<C>,
                 "selection pressure at the end of warm-up, decaying to 1 at the last epoch")
          .field("warmup", schedule_warmup<C>, "epochs without selection")
          .field("beta_start", in_mixture(&StagewiseSchedule::beta_start),
                 "mixture weight of the uncertainty distribution, early")
          .field("beta_end", in_mixture(&StagewiseSchedule::beta_end), "... and late")
          .field("beta_from", in_mixture(&StagewiseSchedule::beta_from),
                 "epoch where beta starts moving")
          .field("beta_to", in_mixture(&StagewiseSchedule::beta_to),
                 "epoch where beta reaches beta_end")
          .custom({"beta", "schedule",
                   "schedule, or a fixed value (ablations: 1 = uncertainty only, 0 = hardness "
                   "only)"},
                  [](C& c, const Params& p) {
                    if (p.get_string("beta") != "schedule")
                      c.mixture.fixed_beta = p.get_double("beta");
                  })
          .choice("hardness", &C::hardness,
                  {{"released", HardnessForm::kReleased}, {"intended", HardnessForm::kIntended}},
                  "released: 2 - exp(-l); intended: 1 - exp(-l) (method.md Q2)")
          .choice("warmup_order", &C::fixed_warmup_order, {{"fixed", true}, {"shuffled", false}},
                  "fixed: one order for every warm-up epoch (released, Q7); shuffled")
          .choice("lag", in_mixture(&StagewiseSchedule::released_lag),
                  {{"released", true}, {"none", false}},
                  "released: beta and pressure of the previous epoch (Q6); none")
          .choice("label_weights", &C::label_weights, {{"on", true}, {"off", false}},
                  "off: v = 1 (ablation)")
          .choice("context", &C::local_context, {{"local", true}, {"global", false}},
                  "local: kNN label context; global: Z = 1 (ablation)")
          .choice("mask", &C::relevant_mask, {{"relevant", true}, {"all", false}},
                  "relevant: correlations over positive labels; all (ablation)")
          .choice("enhancement", &C::enhancement, {{"on", true}, {"off", false}},
                  "off: no correlation enhancement, S2 = 0 (ablation)");
  return table;
}

std::unique_ptr<Selector> make_d2ace(const Params& p) {
  const D2aceConfig c = d2ace_params().fill(p);
  auto in01 = [](double x) { return x >= 0 && x <= 1; };
  const StagewiseSchedule& m = c.mixture;
  if (c.window < 2 || c.k < 1 || c.schedule.s0 < 1 || c.schedule.warmup < 0 || !in01(c.alpha) ||
      !in01(m.beta_start) || !in01(m.beta_end) || (m.fixed_beta && !in01(*m.fixed_beta)) ||
      m.beta_to < m.beta_from)
    throw InputError(
        "d2ace: need window >= 2, k >= 1, s0 >= 1, warmup >= 0, alpha and beta values in [0, 1], "
        "beta_to >= beta_from");
  return std::make_unique<D2aceSelector>(c);
}

}  // namespace

void register_d2ace(SelectorRegistry& registry) {
  registry.add(
      {"d2ace",
       "D2ACE: dual dynamics + adaptive correlation enhancement (Liu et al., IJCAI-ECAI 2026)",
       d2ace_params().specs(), "d2ace-1", make_d2ace});
}

}  // namespace d2ace
