#include "timing/concurrency_strategy.h"

#include <gtest/gtest.h>

namespace aiperf::timing {

TEST(ConcurrencyStrategyTest, SendsUntilTheCapThenWaits) {
  ConcurrencyStrategy s(PluginConfig(nlohmann::json{{"concurrency", 2}}));
  auto c0 = s.next_credit({5, 0, 0, 0});
  EXPECT_EQ(c0.kind, Credit::Kind::kSendAt);
  EXPECT_EQ(c0.send_at_ns, 5);
  EXPECT_EQ(s.next_credit({6, 1, 1, 0}).kind, Credit::Kind::kSendAt);
  EXPECT_EQ(s.next_credit({7, 2, 2, 0}).kind,
            Credit::Kind::kWaitForReturn);
}

TEST(ConcurrencyStrategyTest, RampRaisesTheLimitInStepsFromOne) {
  ConcurrencyStrategy s(PluginConfig(nlohmann::json{{"concurrency", 11}, {"ramp_duration_s", 10}}));
  EXPECT_EQ(s.limit_at(0), 1u);
  EXPECT_EQ(s.limit_at(999'999'999), 1u);
  EXPECT_EQ(s.limit_at(1'000'000'000), 2u);  // one step per S / (N - 1) = 1 s
  EXPECT_EQ(s.limit_at(5'500'000'000), 6u);
  EXPECT_EQ(s.limit_at(10'000'000'000), 11u);
  EXPECT_EQ(s.limit_at(50'000'000'000), 11u);
}

TEST(ConcurrencyStrategyTest, RampingAndFullSendsWhenTheNextStepOpens) {
  ConcurrencyStrategy s(PluginConfig(nlohmann::json{{"concurrency", 5}, {"ramp_duration_s", 4}}));
  EXPECT_EQ(s.next_credit({0, 0, 0, 0}).kind, Credit::Kind::kSendAt);
  auto c = s.next_credit({100, 1, 1, 0});  // limit 1 reached; limit 2 at 1 s
  EXPECT_EQ(c.kind, Credit::Kind::kSendAt);
  EXPECT_EQ(c.send_at_ns, 1'000'000'000);
  EXPECT_EQ(s.next_credit({2'500'000'000, 3, 3, 0}).send_at_ns, 3'000'000'000);
  EXPECT_EQ(s.next_credit({5'000'000'000, 5, 5, 0}).kind, Credit::Kind::kWaitForReturn);
}

TEST(ConcurrencyStrategyTest, RejectsBadConcurrency) {
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurrency", 0}})), ConfigError);
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurrency", "x"}})), ConfigError);
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurency", 2}})), ConfigError);
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurrency", 2}, {"ramp_duration_s", -1}})),
               ConfigError);
}

}  // namespace aiperf::timing
