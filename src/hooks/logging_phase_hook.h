// Built-in phase hook `logging`: logs each phase's start and its results.
#pragma once

#include <string>

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/phase_hook.h"

namespace aiperf::hooks {

/// Logs phase boundaries through spdlog. Config: {level: "info"|"debug"|"warn"}.
class LoggingPhaseHook final : public PhaseHook {
 public:
  explicit LoggingPhaseHook(const PluginConfig& config);
  void register_with(PhaseHookRegistrar& registrar) override;

  /// The line logged when a phase completes.
  static std::string completion_line(const PhaseStats& stats);

 private:
  int level_;  // spdlog::level::level_enum, kept as int to keep spdlog out of this header
};

}  // namespace aiperf::hooks
