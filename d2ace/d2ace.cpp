#include "d2ace/d2ace.h"

#include "core/error.h"
#include "d2ace/d2ace_selector.h"

namespace d2ace {
namespace {

bool on_off(const Params& p, const std::string& key, const char* on, const char* off) {
  const std::string& v = p.get_string(key);
  if (v == on) return true;
  if (v == off) return false;
  throw InputError(std::string("d2ace: ") + key + " must be " + on + " or " + off + ", got '" + v +
                   "'");
}

}  // namespace

void register_d2ace(SelectorRegistry& registry) {
  registry.add(
      {"d2ace",
       "D2ACE: dual dynamics + adaptive correlation enhancement (Liu et al., IJCAI-ECAI 2026)",
       {{"window", "5", "predictions kept per entry (T)"},
        {"alpha", "0.7", "flip EMA rate"},
        {"k", "6", "neighbours of the local label context (plus the instance itself)"},
        {"s0", "8", "selection pressure at the end of warm-up, decaying to 1 at the last epoch"},
        {"warmup", "10", "epochs without selection"},
        {"beta_start", "0.7", "mixture weight of the uncertainty distribution, early"},
        {"beta_end", "0.3", "... and late"},
        {"beta_from", "10", "epoch where beta starts moving"},
        {"beta_to", "70", "epoch where beta reaches beta_end"},
        {"beta", "schedule",
         "schedule, or a fixed value (ablations: 1 = uncertainty only, 0 = hardness only)"},
        {"hardness", "released", "released: 2 - exp(-l); intended: 1 - exp(-l) (method.md Q2)"},
        {"warmup_order", "fixed",
         "fixed: one order for every warm-up epoch (released, Q7); shuffled"},
        {"lag", "released", "released: beta and pressure of the previous epoch (Q6); none"},
        {"label_weights", "on", "off: v = 1 (ablation)"},
        {"context", "local", "local: kNN label context; global: Z = 1 (ablation)"},
        {"mask", "relevant", "relevant: correlations over positive labels; all (ablation)"},
        {"enhancement", "on", "off: no correlation enhancement, S2 = 0 (ablation)"}},
       [](const Params& p) {
         D2aceConfig c;
         c.window = p.get_int("window");
         c.alpha = p.get_double("alpha");
         c.k = p.get_int("k");
         c.s0 = p.get_double("s0");
         c.warmup = p.get_int("warmup");
         c.schedule.beta_start = p.get_double("beta_start");
         c.schedule.beta_end = p.get_double("beta_end");
         c.schedule.beta_from = p.get_int("beta_from");
         c.schedule.beta_to = p.get_int("beta_to");
         if (p.get_string("beta") != "schedule") c.schedule.fixed_beta = p.get_double("beta");
         c.hardness = parse_hardness(p.get_string("hardness"));
         c.fixed_warmup_order = on_off(p, "warmup_order", "fixed", "shuffled");
         c.schedule.released_lag = on_off(p, "lag", "released", "none");
         c.label_weights = on_off(p, "label_weights", "on", "off");
         c.local_context = on_off(p, "context", "local", "global");
         c.relevant_mask = on_off(p, "mask", "relevant", "all");
         c.enhancement = on_off(p, "enhancement", "on", "off");
         auto in01 = [](double x) { return x >= 0 && x <= 1; };
         if (c.window < 2 || c.k < 1 || c.s0 < 1 || c.warmup < 0 || !in01(c.alpha) ||
             !in01(c.schedule.beta_start) || !in01(c.schedule.beta_end) ||
             (c.schedule.fixed_beta && !in01(*c.schedule.fixed_beta)) ||
             c.schedule.beta_to < c.schedule.beta_from)
           throw InputError(
               "d2ace: need window >= 2, k >= 1, s0 >= 1, warmup >= 0, alpha and beta values in "
               "[0, 1], "
               "beta_to >= beta_from");
         return SelectorBuild{std::make_unique<D2aceSelector>(c), "d2ace-1"};
       }});
}

}  // namespace d2ace
