#include "slo.h"

#include <gtest/gtest.h>

#include <limits>

namespace aiperf_plugins::adaptive_rate {
namespace {

TEST(SloTest, PercentileInterpolatesLikeNumpy) {
  std::vector<double> v{10, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_DOUBLE_EQ(percentile(v, 90), 9.1);
  EXPECT_DOUBLE_EQ(percentile(v, 50), 5.5);
  EXPECT_DOUBLE_EQ(percentile(v, 100), 10);
  std::vector<double> one{42};
  EXPECT_DOUBLE_EQ(percentile(one, 90), 42);
}

TEST(SloTest, FailuresAreInfiniteAndSortLast) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> few_failures{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, inf};
  EXPECT_LT(percentile(few_failures, 90), 20);  // one failure in 20 does not decide p90
  std::vector<double> many{1, inf, inf, inf};
  EXPECT_TRUE(std::isinf(percentile(many, 90)));
}

TEST(SloTest, ParsesAndValidates) {
  auto slo = Slo::from_json({{"metric", "request_latency"}, {"percentile", 99}, {"threshold_ms", 250}});
  EXPECT_EQ(slo.metric, SloMetric::kRequestLatency);
  EXPECT_EQ(slo.percentile, 99);
  EXPECT_EQ(slo.threshold_ms, 250);
  auto defaults = Slo::from_json({{"threshold_ms", 100}});
  EXPECT_EQ(defaults.metric, SloMetric::kTimeToFirstToken);
  EXPECT_EQ(defaults.percentile, 90);
  EXPECT_EQ(defaults.metric_name(), "time_to_first_token");
}

TEST(SloTest, RejectsBadValues) {
  auto message = [](const nlohmann::json& j) {
    try {
      Slo::from_json(j);
    } catch (const aiperf::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message({{"metric", "itl"}, {"threshold_ms", 1}}).find("slo.metric"), std::string::npos);
  EXPECT_NE(message({{"percentile", 0}, {"threshold_ms", 1}}).find("slo.percentile"), std::string::npos);
  EXPECT_NE(message({{"percentile", 101}, {"threshold_ms", 1}}).find("slo.percentile"), std::string::npos);
  EXPECT_NE(message({{"metric", "request_latency"}}).find("slo.threshold_ms"), std::string::npos);
  EXPECT_NE(message({{"threshold_ms", -5}}).find("slo.threshold_ms"), std::string::npos);
  EXPECT_NE(message({{"threshold_ms", "fast"}}).find("wrong type"), std::string::npos);
  EXPECT_NE(message({{"treshold_ms", 5}}).find("in 'slo': unknown key 'treshold_ms' (did you mean 'threshold_ms'?)"), std::string::npos);
  EXPECT_NE(message(nlohmann::json::array()).find("mapping"), std::string::npos);
}

}  // namespace
}  // namespace aiperf_plugins::adaptive_rate
