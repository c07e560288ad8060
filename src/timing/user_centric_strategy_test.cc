#include "timing/user_centric_strategy.h"

#include <gtest/gtest.h>

#include <random>

namespace aiperf::timing {
namespace {

PluginConfig config(double rate, int users) {
  return PluginConfig(nlohmann::json{{"user_centric_rate", rate}, {"num_users", users}});
}

TEST(UserCentricStrategyTest, TurnGapIsUsersOverRate) {
  UserCentricStrategy s(config(1.0, 15));
  EXPECT_EQ(s.turn_gap_ns(), 15'000'000'000);
  EXPECT_NE(s.summary().find("15 users"), std::string::npos);
}

TEST(UserCentricStrategyTest, UsersStartOneOverRateApartThenWaitForTheirReturn) {
  const double rate = 8;
  const int users = 4;
  UserCentricStrategy s(config(rate, users));
  for (int i = 0; i < users; ++i) {
    const Credit c = s.next_credit({0, static_cast<uint64_t>(i), static_cast<uint64_t>(i), 0});
    ASSERT_EQ(c.kind, Credit::Kind::kSendAt);
    EXPECT_EQ(c.send_at_ns, static_cast<int64_t>(i * 1e9 / rate)) << "user " << i;
    EXPECT_FALSE(c.dataset_index) << "the sampler picks each user's conversation";
  }
  EXPECT_EQ(s.next_credit({0, 4, 4, 0}).kind, Credit::Kind::kWaitForReturn) << "every user is busy";
}

// A returned user restarts at max(its last send + G, its response's end), whatever order users come back in.
TEST(UserCentricStrategyTest, ReturnedUserRestartsOnItsCadenceOrAtItsEndWhenLater) {
  const int users = 5;
  UserCentricStrategy s(config(10, users));
  const int64_t gap = s.turn_gap_ns();
  for (int i = 0; i < users; ++i) s.next_credit({0, 0, 0, 0});
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> send_time(0, 10 * gap);
  std::exponential_distribution<double> latency(1.0 / static_cast<double>(gap));  // some outlast the gap
  int late = 0;
  for (int round = 0; round < 200; ++round) {
    CreditReturn r;
    r.sent_ns = send_time(rng);
    r.end_ns = r.sent_ns + static_cast<int64_t>(latency(rng));
    r.ok = true;
    s.on_credit_returned(r);
    const Credit c = s.next_credit({r.end_ns, 0, 0, 0});
    ASSERT_EQ(c.kind, Credit::Kind::kSendAt);
    EXPECT_EQ(c.send_at_ns, std::max(r.sent_ns + gap, r.end_ns)) << "round " << round;
    late += r.end_ns > r.sent_ns + gap;
  }
  EXPECT_GT(late, 20) << "the draw should make some responses outlast the gap";
  EXPECT_LT(late, 180);
}

TEST(UserCentricStrategyTest, RejectsAMissingOrNonPositiveRateAndUserCount) {
  EXPECT_THROW(UserCentricStrategy(config(0, 3)), ConfigError);
  EXPECT_THROW(UserCentricStrategy(config(1, 0)), ConfigError);
  EXPECT_THROW(UserCentricStrategy(PluginConfig(nlohmann::json{{"num_users", 2}})), ConfigError);
}

}  // namespace
}  // namespace aiperf::timing
