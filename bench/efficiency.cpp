#include "bench/efficiency.h"

#include <cmath>
#include <limits>

namespace d2ace {
namespace {

double value_at(const Json& array, size_t k) {
  return k < array.size() && array[k].is_number() ? array[k].get<double>()
                                                  : std::numeric_limits<double>::quiet_NaN();
}

Json reach_json(const Reach& r) {
  return {{"epochs", r.epochs},
          {"seconds", std::isfinite(r.seconds) ? Json(r.seconds) : Json(nullptr)}};
}

Json ratio(double a, double b) {
  return std::isfinite(a) && std::isfinite(b) && b > 0 ? Json(a / b) : Json(nullptr);
}

}  // namespace

std::optional<Reach> first_reach(const Json& curves, double target) {
  if (!curves.is_object() || !curves.contains("val_macro_auc")) return std::nullopt;
  const Json& auc = curves["val_macro_auc"];
  const Json elapsed = curves.value("elapsed_seconds", Json::array());
  for (size_t k = 0; k < auc.size(); ++k)
    if (auc[k].is_number() && auc[k].get<double>() >= target)
      return Reach{static_cast<int64_t>(k) + 1, value_at(elapsed, k)};
  return std::nullopt;
}

std::optional<double> best_validation(const Json& curves) {
  if (!curves.is_object() || !curves.contains("val_macro_auc")) return std::nullopt;
  std::optional<double> best;
  for (const auto& v : curves["val_macro_auc"])
    if (v.is_number() && std::isfinite(v.get<double>()) && (!best || v.get<double>() > *best))
      best = v.get<double>();
  return best;
}

Json pair_efficiency(const Json& selector_cell, const Json& uniform_cell) {
  const Json none = Json::object();
  const Json& uniform_curves = uniform_cell.contains("curves") ? uniform_cell["curves"] : none;
  const Json& selector_curves = selector_cell.contains("curves") ? selector_cell["curves"] : none;
  const std::optional<double> target = best_validation(uniform_curves);
  if (!target || !best_validation(selector_curves)) return nullptr;
  const Reach uniform = *first_reach(uniform_curves, *target);
  const std::optional<Reach> selector = first_reach(selector_curves, *target);
  Json j;
  j["target"] = *target;
  j["uniform"] = reach_json(uniform);
  j["selector"] = selector ? reach_json(*selector) : Json(nullptr);
  j["epoch_speedup"] =
      selector ? ratio(static_cast<double>(uniform.epochs), static_cast<double>(selector->epochs))
               : Json(nullptr);
  j["time_speedup"] = selector ? ratio(uniform.seconds, selector->seconds) : Json(nullptr);
  return j;
}

Json group_efficiency(const std::vector<Json>& pairs) {
  std::vector<double> epochs, seconds;
  int64_t matched = 0, reached = 0;
  for (const Json& p : pairs) {
    if (p.is_null()) continue;
    ++matched;
    if (p["selector"].is_null()) continue;
    ++reached;
    epochs.push_back(p["epoch_speedup"].is_number() ? p["epoch_speedup"].get<double>() : NAN);
    seconds.push_back(p["time_speedup"].is_number() ? p["time_speedup"].get<double>() : NAN);
  }
  return {{"matched", matched},
          {"reached", reached},
          {"epoch_speedup", statistics(epochs)},
          {"time_speedup", statistics(seconds)}};
}

}  // namespace d2ace
