#include "hooks/phase_hook_registry.h"

#include <gtest/gtest.h>

namespace aiperf {

TEST(PhaseHookRegistryTest, RunsCallbacksInOrderWithTheStats) {
  PhaseHookRegistry registry;
  std::vector<std::string> calls;
  registry.register_phase_start("a", [&](const PhaseStats& s) { calls.push_back("a start " + s.phase); });
  registry.register_phase_complete("a", [&](const PhaseStats& s) {
    calls.push_back("a complete " + std::to_string(s.requests_completed));
  });
  registry.register_phase_start("b", [&](const PhaseStats& s) { calls.push_back("b start " + s.phase); });
  PhaseStats stats;
  stats.phase = "warmup";
  EXPECT_TRUE(registry.fire_phase_start(stats).empty());
  stats.requests_completed = 9;
  EXPECT_TRUE(registry.fire_phase_complete(stats).empty());
  EXPECT_EQ(calls, (std::vector<std::string>{"a start warmup", "b start warmup", "a complete 9"}));
  EXPECT_EQ(registry.size(), 3u);
}

TEST(PhaseHookRegistryTest, ThrowingCallbackIsReportedAndOthersStillRun) {
  PhaseHookRegistry registry;
  int ran = 0;
  registry.register_phase_complete("bad", [](const PhaseStats&) { throw std::runtime_error("boom"); });
  registry.register_phase_complete("odd", [](const PhaseStats&) { throw 7; });
  registry.register_phase_complete("good", [&](const PhaseStats&) { ++ran; });
  auto failures = registry.fire_phase_complete(PhaseStats{});
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].owner, "bad");
  EXPECT_EQ(failures[0].message, "boom");
  EXPECT_EQ(failures[1].owner, "odd");
  EXPECT_EQ(failures[1].message, "unknown exception");
  EXPECT_EQ(ran, 1);
}

}  // namespace aiperf
