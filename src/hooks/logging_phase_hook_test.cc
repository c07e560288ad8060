#include "hooks/logging_phase_hook.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "hooks/phase_hook_registry.h"

namespace aiperf::hooks {

TEST(LoggingPhaseHookTest, LogsStartAndCompletionWithKeyMetrics) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("%l %v");
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  LoggingPhaseHook hook(PluginConfig{});
  PhaseHookRegistry registry;
  hook.register_with(registry);
  PhaseStats stats;
  stats.phase = "profiling";
  registry.fire_phase_start(stats);
  stats.requests_sent = 10;
  stats.requests_completed = 9;
  stats.requests_failed = 1;
  stats.duration_sec = 2.5;
  stats.metrics.push_back({"time_to_first_token", "ms", 9, 51.25, 50, 53, 1, 51, 52, 52.5, 53});
  registry.fire_phase_complete(stats);
  spdlog::set_default_logger(previous);

  EXPECT_NE(out.str().find("info Phase profiling started"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("Phase profiling completed: 10 sent, 9 succeeded, 1 failed in 2.500 s; "
                           "time_to_first_token avg 51.25 p99 53.00 ms"),
            std::string::npos)
      << out.str();
}

TEST(LoggingPhaseHookTest, RejectsUnknownLevelAndKeys) {
  EXPECT_THROW(LoggingPhaseHook(PluginConfig(nlohmann::json{{"level", "loud"}})), ConfigError);
  EXPECT_THROW(LoggingPhaseHook(PluginConfig(nlohmann::json{{"levl", "info"}})), ConfigError);
  EXPECT_NO_THROW(LoggingPhaseHook(PluginConfig(nlohmann::json{{"level", "debug"}})));
}

}  // namespace aiperf::hooks
