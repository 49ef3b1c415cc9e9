#include "core/selection_pressure.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace d2ace {

SelectionPressure SelectionPressure::whole_run(double s0, double s_end, int64_t epochs) {
  if (!(s0 >= 1 && s_end >= 1)) throw InputError("selection pressure must be >= 1");
  SelectionPressure s;
  s.kind_ = Kind::kWholeRun;
  s.s0_ = s0;
  s.s_end_ = s_end;
  s.e_end_ = std::max<int64_t>(1, epochs);
  return s;
}

SelectionPressure SelectionPressure::decaying(double s0, int64_t e0, int64_t e_end) {
  if (!(s0 >= 1)) throw InputError("selection pressure must be >= 1");
  SelectionPressure s;
  s.kind_ = Kind::kDecaying;
  s.s0_ = s0;
  s.e0_ = e0;
  s.e_end_ = std::max(e0 + 1, e_end);
  return s;
}

SelectionPressure SelectionPressure::constant(double value) { return whole_run(value, value, 1); }

double SelectionPressure::at(int64_t e) const {
  if (kind_ == Kind::kWholeRun)  // held at s_end past the last epoch
    return std::clamp(
        s0_ * std::pow(s_end_ / s0_, static_cast<double>(e) / static_cast<double>(e_end_)),
        std::min(s0_, s_end_), std::max(s0_, s_end_));
  if (e < e0_) return s0_;
  const double rate = std::exp(std::log(1.0 / s0_) / static_cast<double>(e_end_ - e0_));
  return std::max(1.0, s0_ * std::pow(rate, static_cast<double>(e - e0_)));
}

std::string SelectionPressure::describe() const {
  std::ostringstream s;
  if (kind_ == Kind::kWholeRun)
    s << "whole-run " << s0_ << " -> " << s_end_ << " over " << e_end_ << " epochs";
  else
    s << "decaying " << s0_ << " from epoch " << e0_ << " to 1 at epoch " << e_end_;
  return s.str();
}

}  // namespace d2ace
