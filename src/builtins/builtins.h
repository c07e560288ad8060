// The one place where built-in implementations are registered.
#pragma once

#include "plugin/registry.h"

namespace aiperf::builtins {

/// Registers every built-in implementation of every protocol with `registry`.
void register_builtins(plugin::PluginRegistry& registry);

}  // namespace aiperf::builtins
