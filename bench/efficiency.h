// Time to accuracy (docs/architecture.md, "Efficiency"): how many epochs and seconds a selector
// needs to reach uniform's best validation macro-AUC on the same dataset, model, seed and fold.
//
// For one matched pair of finished cells (the selector's and uniform's), from their curves:
//   target          uniform's best validation macro-AUC (curves.val_macro_auc);
//   uniform's cost  the epochs (a count, 1-based) and curves.elapsed_seconds (training + selection,
//                   the one-off neighbour search included) up to its first epoch at that best;
//   selector's cost the same up to its first epoch whose validation macro-AUC >= target (none:
//                   the selector never reached it);
//   epoch_speedup   uniform's epochs / the selector's; time_speedup the same with seconds.
// A group's efficiency_vs_uniform: {matched, reached, epoch_speedup: {mean, std, n},
// time_speedup: {mean, std, n}}, the speed-ups over the matched cells that reached the target.
#pragma once

#include <optional>
#include <vector>

#include "bench/report.h"

namespace d2ace {

// The cost of reaching a validation score: epochs counted from 1, and cumulative seconds (NaN
// when the curves predate elapsed_seconds).
struct Reach {
  int64_t epochs = 0;
  double seconds = 0;
};

// The first epoch of `curves` whose validation macro-AUC is >= target; none when no epoch is.
std::optional<Reach> first_reach(const Json& curves, double target);

// The best finite validation macro-AUC of `curves`; none without one.
std::optional<double> best_validation(const Json& curves);

// One cell against uniform's cell of the same dataset, model, seed and fold (both cell reports,
// done): {target, uniform: {epochs, seconds}, selector: {epochs, seconds} or null, epoch_speedup,
// time_speedup} (speed-ups null when not reached); null when either lacks a validation curve.
Json pair_efficiency(const Json& selector_cell, const Json& uniform_cell);

// The group statistics of pair_efficiency results (nulls are not matched).
Json group_efficiency(const std::vector<Json>& pairs);

}  // namespace d2ace
