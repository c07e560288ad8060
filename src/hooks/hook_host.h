// The child side of phase hook isolation: `aiperf __hook-host FD` loads one
// phase hook through the plugin registry and runs its callbacks on request,
// speaking the wire format of internal/wire.h on FD. If the hook crashes,
// exits or hangs, only this process is lost; aiperf reports it and goes on.
#pragma once

#include <string_view>

#include "plugin/registry.h"

namespace aiperf::hooks {

/// The hidden subcommand that runs a hook host (not listed in --help).
inline constexpr std::string_view kHookHostCommand = "__hook-host";

/// Fills a registry with the built-in implementations (builtins::register_builtins).
using RegisterBuiltins = void (*)(plugin::PluginRegistry&);

/// Runs a hook host: `argv` is {program, "__hook-host", FD}. Serves requests on FD until
/// aiperf closes it; returns the process exit code (0 when aiperf closed the connection).
int hook_host_main(int argc, char** argv, RegisterBuiltins register_builtins);

}  // namespace aiperf::hooks
