// Loads a plugin in a child process, so a library that crashes or hangs while
// loading is reported instead of taking aiperf down (GStreamer's scanner idea).
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "plugin/registry.h"

namespace aiperf::plugin {

/// Extra work done in the child after a successful load (e.g. create and exercise an instance).
using ChildProbe = std::function<std::optional<Error>()>;

/// Loads protocol:name's library, checks its ABI and resolves its factory in a
/// forked child, then runs `probe` there if given. Built-ins without a probe pass
/// without a child. Returns the error, if any.
std::optional<Error> check_in_child(const PluginRegistry& registry,
                                          const ImplementationRef& ref,
                                          std::chrono::milliseconds timeout,
                                          const ChildProbe& probe = {});

}  // namespace aiperf::plugin
