#include "builtins/builtins.h"

#include "aiperf/sdk/plugin.h"
#include "hooks/logging_phase_hook.h"

namespace aiperf {
namespace {

// A built-in's factory is the same C entry point a plugin exports, so the
// registry has a single create path for both.
template <Protocol P, class Impl>
void add(plugin::PluginRegistry& registry, std::string_view name, std::string description) {
  registry.register_builtin(ProtocolTraits<P>::name, name, &sdk_detail::create<P, Impl>,
                            std::move(description));
}

}  // namespace

void register_builtins(plugin::PluginRegistry& registry) {
  add<PhaseHook, LoggingPhaseHook>(registry, "logging", "Logs each phase's start and results");
}

}  // namespace aiperf
