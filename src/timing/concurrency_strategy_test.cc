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

TEST(ConcurrencyStrategyTest, RejectsBadConcurrency) {
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurrency", 0}})), ConfigError);
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurrency", "x"}})), ConfigError);
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurency", 2}})), ConfigError);
}

}  // namespace aiperf::timing
