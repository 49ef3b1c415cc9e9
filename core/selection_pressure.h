// Selection pressure s_e: the ratio of the largest to the smallest sampling probability
// (baselines.md §0). Two schedules:
//   * whole run (Loshchilov & Hutter 2016):  s_e = s0 (s_end / s0)^(e / E), e = 0..E-1;
//   * decaying (Recency Bias, Eq. 7; the D2ACE code): s_e = s0 for e < e0, then
//     s_e = max(1, s0 exp(ln(1/s0) / (e_end - e0))^(e - e0)), reaching 1 at e_end.
// Example (decaying, s0 = 8, e0 = 10, e_end = 100): 8 at epoch 10, 4 at 40, 2 at 70, ~1.02 at 99.
#pragma once

#include <cstdint>
#include <string>

namespace d2ace {

class SelectionPressure {
 public:
  static SelectionPressure whole_run(double s0, double s_end, int64_t epochs);
  static SelectionPressure decaying(double s0, int64_t e0, int64_t e_end);
  static SelectionPressure constant(double s);

  double at(int64_t epoch) const;
  std::string describe() const;

 private:
  enum class Kind { kWholeRun, kDecaying } kind_ = Kind::kDecaying;
  double s0_ = 1, s_end_ = 1;
  int64_t e0_ = 0, e_end_ = 1;
};

// When an adaptive selector starts selecting and how hard: `warmup` uniform epochs, then the
// pressure decaying from s0 at the end of warm-up to 1 at the last epoch. Each selector's config
// holds one, with that selector's defaults; AdaptiveSelector builds the pressure from it.
struct SelectionSchedule {
  double s0 = 1;
  int64_t warmup = 0;

  SelectionPressure pressure(int64_t epochs) const {
    return SelectionPressure::decaying(s0, warmup, epochs);
  }
};

// ParamTable accessors of a config's `schedule` (core/params.h): .field("s0", schedule_s0<C>, ...).
template <class Config>
double& schedule_s0(Config& c) {
  return c.schedule.s0;
}
template <class Config>
int64_t& schedule_warmup(Config& c) {
  return c.schedule.warmup;
}

}  // namespace d2ace
