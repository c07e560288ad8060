#include "hooks/phase_hook_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace aiperf::hooks {

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

}  // namespace aiperf::hooks

namespace aiperf::hooks {

TEST(PhaseHookRegistryTest, HangingCallbackIsReportedAndTheOthersStillRun) {
  PhaseHookRegistry registry(std::chrono::milliseconds(100));
  auto release = std::make_shared<std::atomic<bool>>(false);
  int ran = 0;
  registry.register_phase_start("sleepy", [release](const PhaseStats&) {
    while (!release->load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  registry.register_phase_start("good", [&](const PhaseStats&) { ++ran; });
  auto start = std::chrono::steady_clock::now();
  auto failures = registry.fire_phase_start(PhaseStats{});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].owner, "sleepy");
  EXPECT_NE(failures[0].message.find("did not return within 100 ms"), std::string::npos);
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(registry.hung());
  EXPECT_LT(took, std::chrono::seconds(5));
  release->store(true);  // let the abandoned thread finish before the test ends
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace aiperf::hooks
