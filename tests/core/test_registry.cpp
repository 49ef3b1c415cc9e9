// core/registry and the built-in registries: every component is found by name with its
// parameters and version, and an unknown name lists what there is.
#include "tests/catch.h"

#include "bench/experiment.h"
#include "core/error.h"

using namespace d2ace;

TEST_CASE("registry: built-in components have summaries, versions and buildable defaults",
          "[registry]") {
  Registries reg;
  for (const auto* e : reg.selectors.all()) {
    INFO(e->name);
    CHECK_FALSE(e->summary.empty());
    CHECK(e->version.rfind(e->name + "-", 0) == 0);
    CHECK(e->make(Params(e->name, e->params, {})) != nullptr);
  }
  for (const auto* e : reg.models.all()) {
    INFO(e->name);
    CHECK(e->version.rfind(e->name + "-", 0) == 0);
    const torch::Tensor Y = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f}).view({2, 2});
    // Every model builds for an input that is both 4 features and a 1 x 2 x 2 image.
    CHECK(e->make(Params(e->name, e->params, {}), {4, 2, Y, 1, {1, 2, 2}}) != nullptr);
  }
}

TEST_CASE("registry: unknown names and duplicates", "[registry]") {
  Registries reg;
  CHECK_THROWS_WITH(reg.selectors.get("best"),
                    Catch::Contains("unknown selector 'best'") && Catch::Contains("d2ace"));
  SelectorRegistry r("selector");
  r.add({"a", "", {}, "a-1", [](const Params&) { return std::unique_ptr<Selector>(); }});
  CHECK_THROWS_AS(
      r.add({"a", "", {}, "a-1", [](const Params&) { return std::unique_ptr<Selector>(); }}),
      std::logic_error);
}

TEST_CASE("registry: the paper's defaults are the ones listed", "[registry]") {
  Registries reg;
  auto default_of = [](const auto& entry, const std::string& key) {
    for (const auto& p : entry.params)
      if (p.name == key) return p.default_value;
    return std::string("?");
  };
  const auto& d2ace = reg.selectors.get("d2ace");
  CHECK(default_of(d2ace, "window") == "5");
  CHECK(default_of(d2ace, "alpha") == "0.7");
  CHECK(default_of(d2ace, "s0") == "8");
  CHECK(default_of(d2ace, "beta_to") == "70");
  CHECK(default_of(d2ace, "lag") == "released");
  CHECK(default_of(reg.models.get("dela"), "tau") == "0.6666666666666666");
  CHECK(default_of(reg.models.get("clif"), "label_graph") == "identity");
  CHECK(default_of(reg.selectors.get("online-batch"), "refresh") == "train-pass");
}
