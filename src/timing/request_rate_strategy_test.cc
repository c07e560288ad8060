#include "timing/request_rate_strategy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace aiperf::timing {
namespace {

using nlohmann::json;

std::vector<int64_t> send_times(TimingStrategy& s, int n) {
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) {
    auto c = s.next_credit({0, static_cast<uint64_t>(i), 0, static_cast<uint64_t>(i)});
    EXPECT_EQ(c.kind, Credit::Kind::kSendAt);
    out.push_back(c.send_at_ns);
  }
  return out;
}

TEST(RequestRateStrategyTest, ConstantRateHasNoDrift) {
  RequestRateStrategy s(PluginConfig(json{{"request_rate", 3000}, {"arrival_pattern", "constant"}}));
  auto t = send_times(s, 30001);
  EXPECT_EQ(t[0], 0);
  EXPECT_NEAR(static_cast<double>(t[30000]), 10e9, 1.0);  // 30,000 gaps of 1/3 ms: exactly 10 s
}

// Kolmogorov-Smirnov test of the gaps against Exp(rate); fixed seed, so deterministic.
TEST(RequestRateStrategyTest, PoissonGapsPassGoodnessOfFit) {
  const double rate = 1000;
  RequestRateStrategy s(PluginConfig(json{{"request_rate", rate}, {"seed", 42}}));
  auto t = send_times(s, 5001);
  std::vector<double> gaps;
  for (std::size_t i = 1; i < t.size(); ++i) gaps.push_back((t[i] - t[i - 1]) / 1e9);
  std::sort(gaps.begin(), gaps.end());
  double d = 0, n = static_cast<double>(gaps.size());
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    double cdf = 1 - std::exp(-rate * gaps[i]);
    d = std::max({d, std::abs(cdf - i / n), std::abs((i + 1) / n - cdf)});
  }
  double critical = 1.36 / std::sqrt(n);  // alpha = 0.05
  EXPECT_LT(d, critical) << "KS statistic " << d;
  EXPECT_NEAR(t.back() / 1e9, 5.0, 5.0 * 4 / std::sqrt(5000.0));  // mean rate within 4 sigma
}

TEST(RequestRateStrategyTest, GammaHasTheRequestedMeanAndIsSmoother) {
  RequestRateStrategy smooth(PluginConfig(json{{"request_rate", 100}, {"arrival_pattern", "gamma"},
                                               {"arrival_smoothness", 16}, {"seed", 1}}));
  auto t = send_times(smooth, 2001);
  std::vector<double> gaps;
  for (std::size_t i = 1; i < t.size(); ++i) gaps.push_back(static_cast<double>(t[i] - t[i - 1]));
  double mean = 0, var = 0;
  for (double g : gaps) mean += g / gaps.size();
  for (double g : gaps) var += (g - mean) * (g - mean) / gaps.size();
  EXPECT_NEAR(mean, 1e7, 1e7 * 0.03);
  EXPECT_NEAR(std::sqrt(var) / mean, 0.25, 0.03);  // cv = 1/sqrt(16)
}

TEST(RequestRateStrategyTest, CeilingHoldsSendsBack) {
  RequestRateStrategy s(PluginConfig(json{{"request_rate", 10}, {"max_concurrency", 2}}));
  EXPECT_EQ(s.next_credit({0, 0, 2, 0}).kind, Credit::Kind::kWaitForReturn);
  EXPECT_EQ(s.next_credit({0, 0, 1, 0}).kind, Credit::Kind::kSendAt);
}

// Constant arrivals over a 10 s ramp to 100 req/s: the sends counted per second follow the line
// rate(t) = R (f + (1 - f) t / S), and after the ramp the gaps are exactly 1/R.
TEST(RequestRateStrategyTest, RampRaisesTheRateLinearly) {
  const double rate = 100, ramp_s = 10;
  RequestRateStrategy s(PluginConfig(json{{"request_rate", rate}, {"arrival_pattern", "constant"},
                                          {"ramp_duration_s", ramp_s}}));
  auto t = send_times(s, 1500);
  std::vector<int> per_second(20, 0);
  for (auto ns : t) {
    if (ns < 20e9) ++per_second[static_cast<std::size_t>(ns / 1'000'000'000)];
  }
  const double f = 0.1 / ramp_s;
  for (int sec = 0; sec < 10; ++sec) {
    const double expected = rate * (f + (1 - f) * (sec + 0.5) / ramp_s);  // the line at mid-second
    EXPECT_NEAR(per_second[sec], expected, 1.5) << "second " << sec;
    EXPECT_NEAR(s.rate_at(static_cast<int64_t>((sec + 0.5) * 1e9)), expected, 1e-6);
  }
  for (int sec = 11; sec < 19; ++sec) EXPECT_NEAR(per_second[sec], rate, 1) << "second " << sec;
  EXPECT_DOUBLE_EQ(s.rate_at(static_cast<int64_t>(ramp_s * 1e9)), rate);
}

TEST(RequestRateStrategyTest, RejectsBadConfig) {
  EXPECT_THROW(RequestRateStrategy(PluginConfig(json{{"request_rate", -1}})), ConfigError);
  EXPECT_THROW(RequestRateStrategy(PluginConfig(json::object())), ConfigError);
  EXPECT_THROW(RequestRateStrategy(PluginConfig(json{{"request_rate", 1}, {"arrival_pattern", "x"}})), ConfigError);
  EXPECT_THROW(RequestRateStrategy(PluginConfig(json{{"request_rate", 1}, {"ramp_duration_s", -2}})), ConfigError);
}

TEST(FixedScheduleStrategyTest, SendsEachEntryAtItsTimestampThenStops) {
  FixedScheduleStrategy s(PluginConfig(json{{"schedule_ms", {30, 0, 10.5}}}));
  auto a = s.next_credit({});
  EXPECT_EQ(a.send_at_ns, 0);
  EXPECT_EQ(a.dataset_index, 1u);
  auto b = s.next_credit({});
  EXPECT_EQ(b.send_at_ns, 10'500'000);
  EXPECT_EQ(b.dataset_index, 2u);
  EXPECT_EQ(s.next_credit({}).send_at_ns, 30'000'000);
  EXPECT_EQ(s.next_credit({}).kind, Credit::Kind::kStop);
}

TEST(FixedScheduleStrategyTest, OffsetsWindowTheTrace) {
  FixedScheduleStrategy s(PluginConfig(json{{"schedule_ms", {0, 100, 200, 300}}, {"start_offset_ms", 100},
                                            {"end_offset_ms", 200}}));
  EXPECT_EQ(s.next_credit({}).send_at_ns, 0);
  EXPECT_EQ(s.next_credit({}).send_at_ns, 100'000'000);
  EXPECT_EQ(s.next_credit({}).kind, Credit::Kind::kStop);
  EXPECT_THROW(FixedScheduleStrategy(PluginConfig(json{{"schedule_ms", {0}}, {"start_offset_ms", 5}})), ConfigError);
}

}  // namespace
}  // namespace aiperf::timing
