// bench/efficiency: time to uniform's best validation macro-AUC, per matched cell and per group.
#include "tests/catch.h"

#include "bench/efficiency.h"

using namespace d2ace;

namespace {

Json cell(const Json& auc, const Json& elapsed) {
  return {{"curves", {{"val_macro_auc", auc}, {"elapsed_seconds", elapsed}}}};
}

}  // namespace

TEST_CASE("efficiency: the first epoch at a target and the best validation score", "[efficiency]") {
  const Json curves = cell({nullptr, 0.6, 0.8, 0.75, 0.8}, {1.0, 2.0, 3.5, 4.0, 5.0})["curves"];
  REQUIRE(best_validation(curves));
  CHECK(*best_validation(curves) == 0.8);
  const auto reach = first_reach(curves, 0.8);
  REQUIRE(reach);
  CHECK(reach->epochs == 3);  // a count: the third epoch
  CHECK(reach->seconds == 3.5);
  CHECK_FALSE(first_reach(curves, 0.81));
  CHECK_FALSE(best_validation(Json{{"val_macro_auc", {nullptr, nullptr}}}));
  CHECK_FALSE(first_reach(Json::object(), 0.5));
}

TEST_CASE("efficiency: speed-ups against uniform, and the group's statistics", "[efficiency]") {
  const Json uniform = cell({0.5, 0.7, 0.8, 0.8}, {1.0, 2.0, 3.0, 4.0});
  // Reaches 0.8 at its second epoch after 2.4 s: 1.5 times fewer epochs, 1.25 times less time.
  const Json fast = pair_efficiency(cell({0.6, 0.85, 0.9}, {1.2, 2.4, 3.6}), uniform);
  CHECK(fast["target"] == 0.8);
  CHECK(fast["uniform"]["epochs"] == 3);
  CHECK(fast["selector"]["epochs"] == 2);
  CHECK(fast["epoch_speedup"].get<double>() == Approx(1.5));
  CHECK(fast["time_speedup"].get<double>() == Approx(1.25));
  // Never reaches it: no speed-up, counted as matched but not reached.
  const Json slow = pair_efficiency(cell({0.6, 0.7, 0.79}, {1.0, 2.0, 3.0}), uniform);
  CHECK(slow["selector"].is_null());
  CHECK(slow["epoch_speedup"].is_null());
  // Curves without elapsed seconds (older reports): epochs only.
  const Json old = pair_efficiency(Json{{"curves", {{"val_macro_auc", {0.8}}}}}, uniform);
  CHECK(old["epoch_speedup"].get<double>() == Approx(3.0));
  CHECK(old["time_speedup"].is_null());
  // No validation curve: not comparable.
  CHECK(pair_efficiency(Json{{"curves", {{"val_macro_auc", {nullptr}}}}}, uniform).is_null());

  const Json group = group_efficiency({fast, slow, old, nullptr});
  CHECK(group["matched"] == 3);
  CHECK(group["reached"] == 2);
  CHECK(group["epoch_speedup"]["n"] == 2);
  CHECK(group["epoch_speedup"]["mean"].get<double>() == Approx(2.25));
  CHECK(group["time_speedup"]["n"] == 1);
  CHECK(group["time_speedup"]["mean"].get<double>() == Approx(1.25));
}
