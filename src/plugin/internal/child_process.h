// Runs a piece of work in a forked child and reports how it ended, so code
// that crashes or hangs (a plugin's static constructor) cannot take the
// caller down. GStreamer's plugin scanner is the model.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "plugin/plugin_error.h"

namespace aiperf::plugin::internal {

/// The work: nullopt on success, else the error to report (its code and message
/// cross the process boundary).
using ChildWork = std::function<std::optional<Error>()>;

/// Forks, runs `work` in the child and waits at most `timeout`. Returns nullopt
/// when the work succeeded; its error; or a kCrashed error saying "`what` killed
/// the checking process with signal N (name)", "`what` did not finish within
/// T ms…" (the child is killed) or that it exited before reporting.
std::optional<Error> run_in_child(const ChildWork& work, std::chrono::milliseconds timeout,
                                  std::string_view what);

}  // namespace aiperf::plugin::internal
