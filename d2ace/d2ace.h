// D2ACE: registration of the `d2ace` selector and its parameters.
#pragma once

#include "core/selector.h"

namespace d2ace {

void register_d2ace(SelectorRegistry& registry);

}  // namespace d2ace
