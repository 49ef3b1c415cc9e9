#include "baselines/baselines.h"

#include "baselines/uniform.h"

namespace d2ace {

void register_baselines(SelectorRegistry& registry) {
  registry.add({"uniform", "control: a fresh random permutation each epoch", {},
                [](const Params&) { return SelectorBuild{std::make_unique<UniformSelector>(), "uniform-1"}; }});
}

}  // namespace d2ace
