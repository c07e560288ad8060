#include "hooks/logging_phase_hook.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace aiperf::hooks {

LoggingPhaseHook::LoggingPhaseHook(const PluginConfig& config) {
  config.allow_only({"level"});
  auto name = config.get<std::string>("level", "info");
  auto level = spdlog::level::from_str(name);
  if (level == spdlog::level::off && name != "off") {
    throw ConfigError("key 'level': unknown log level '" + name +
                      "' (trace, debug, info, warn, error, critical, off)");
  }
  level_ = static_cast<int>(level);
}

std::string LoggingPhaseHook::completion_line(const PhaseStats& s) {
  std::string line = fmt::format("Phase {} completed{}: {} sent, {} succeeded, {} failed in {:.3f} s",
                                 s.phase, s.was_cancelled ? " (cancelled)" : "", s.requests_sent,
                                 s.requests_completed, s.requests_failed, s.duration_sec);
  for (const auto& m : s.metrics) {
    if (m.tag == "time_to_first_token" || m.tag == "inter_token_latency" ||
        m.tag == "request_latency") {
      line += fmt::format("; {} avg {:.2f} p99 {:.2f} {}", m.tag, m.avg, m.p99, m.unit);
    }
  }
  return line;
}

void LoggingPhaseHook::register_with(PhaseHookRegistrar& registrar) {
  auto level = static_cast<spdlog::level::level_enum>(level_);
  registrar.register_phase_start("logging", [level](const PhaseStats& s) {
    spdlog::log(level, "Phase {} started", s.phase);
  });
  registrar.register_phase_complete("logging", [level](const PhaseStats& s) {
    spdlog::log(level, "{}", completion_line(s));
  });
}

}  // namespace aiperf::hooks
