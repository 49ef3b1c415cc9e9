#include "d2ace/d2ace_selector.h"

#include "core/neighbours.h"
#include "core/timing.h"
#include "d2ace/correlation_enhancement.h"
#include "d2ace/label_weights.h"
#include "d2ace/local_label_context.h"

namespace d2ace {

namespace {
DynamicsOptions dual_dynamics(const D2aceConfig& c) {
  DynamicsOptions o;
  o.window = c.window;
  o.track_loss = true;
  o.track_flips = true;
  o.flip_alpha = c.alpha;
  return o;
}
}  // namespace

D2aceSelector::D2aceSelector(D2aceConfig c)
    : DynamicsSelector(c.schedule, dual_dynamics(c)), config_(c) {}

void D2aceSelector::on_attach(const TrainingPool& pool) {
  DynamicsSelector::on_attach(pool);
  relevant_ = RelevantEntries::of(pool.Y);
  if (config_.local_context) {
    const auto start = Clock::now();
    torch::Tensor neighbours =
        nearest_neighbours(pool.X, config_.k, /*include_self=*/true).to(pool.X.device());
    neighbour_seconds_ = seconds_since(start);
    Z_ = local_label_context(pool.Y, neighbours);
  } else {
    Z_ = torch::ones_like(pool.Y);
  }
  enhancement_ = EnhancementIndex::of(Z_, relevant_, !config_.local_context);
}

EpochPlan D2aceSelector::warmup_plan(int64_t epoch, at::Generator& generator) {
  if (!config_.fixed_warmup_order) return AdaptiveSelector::warmup_plan(epoch, generator);
  // The released code walks one random order (its random_split) in the same chunks every epoch.
  if (warmup_order_.batches.empty())
    warmup_order_ = permutation_plan(pool().size(), pool().batch_size, generator);
  return warmup_order_;
}

D2aceScores D2aceSelector::compute(int64_t epoch) const {
  D2aceScores r;
  const int64_t e = config_.mixture.schedule_epoch(epoch);
  r.U = windowed_uncertainty(dynamics(), 0.5);
  r.H = noise_resistant_hardness(dynamics().last_loss(), dynamics().flip_ema(), config_.hardness);
  const int64_t q = r.U.size(1);
  r.vU = config_.label_weights ? dynamic_label_weights(r.U) : torch::ones({q}, r.U.options());
  r.vH = config_.label_weights ? dynamic_label_weights(r.H) : torch::ones({q}, r.H.options());
  if (config_.enhancement) {
    const RelevantEntries* mask = config_.relevant_mask ? &relevant_ : nullptr;
    r.CU = relevant_label_correlation(r.U, mask);
    r.CH = relevant_label_correlation(r.H, mask);
    r.sU = enhancement_at(r.CU, enhancement_, relevant_);
    r.sH = enhancement_at(r.CH, enhancement_, relevant_);
  }
  r.scoreU = enhanced_scores(r.U, r.vU, r.sU, relevant_);
  r.scoreH = enhanced_scores(r.H, r.vH, r.sH, relevant_);
  r.pressure = pressure_at(e);
  r.beta = config_.mixture.beta(e);
  r.pU = quantised_exponential_distribution(r.scoreU, r.pressure);
  r.pH = quantised_exponential_distribution(r.scoreH, r.pressure);
  r.P = bernoulli_mixture(r.pU, r.pH, r.beta);
  return r;
}

AdaptiveSelector::Distribution D2aceSelector::rescore(int64_t next_epoch) {
  D2aceScores r = compute(next_epoch);
  return {r.P,
          r.pressure,
          {{"beta", r.beta},
           {"entropy_uncertainty", normalised_entropy(r.pU)},
           {"entropy_hardness", normalised_entropy(r.pH)},
           {"mean_uncertainty", r.U.mean().item<double>()},
           {"mean_hardness", r.H.mean().item<double>()}}};
}

}  // namespace d2ace
