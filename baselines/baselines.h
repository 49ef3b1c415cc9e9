// The baseline selectors (baselines.md): registration into the selector registry.
#pragma once

#include "core/selector.h"

namespace d2ace {

void register_baselines(SelectorRegistry& registry);

}  // namespace d2ace
