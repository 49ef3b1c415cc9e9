// Wall-clock timing for the reports' timing split (the trainer's steps, the selectors' one-off
// kNN): the seconds since a point, and a scoped timer that adds its lifetime to a counter.
#pragma once

#include <chrono>

namespace d2ace {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Adds the seconds from its construction to its destruction to `*total`:
//   { ScopedTimer timer(&t.training); ...step... }
class ScopedTimer {
 public:
  explicit ScopedTimer(double* total) : total_(total), start_(Clock::now()) {}
  ~ScopedTimer() { *total_ += seconds_since(start_); }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  double* total_;
  Clock::time_point start_;
};

}  // namespace d2ace
