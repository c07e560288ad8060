#include "report/multi_run.h"

#include <gtest/gtest.h>

namespace aiperf::report {
namespace {

using nlohmann::json;

TEST(MultiRunTest, StudentTQuantilesMatchTheTables) {
  // Two-sided 95% critical values from any table of Student's t distribution.
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706, 1e-3);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.776, 1e-3);
  EXPECT_NEAR(student_t_quantile(0.975, 10), 2.228, 1e-3);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042, 1e-3);
  EXPECT_NEAR(student_t_quantile(0.995, 9), 3.250, 1e-3);
  EXPECT_NEAR(student_t_quantile(0.025, 10), -2.228, 1e-3);
}

TEST(MultiRunTest, AggregateGivesMeanAndTIntervalOfEachStatistic) {
  std::vector<json> runs;
  for (double ttft : {10.0, 12.0, 14.0}) {
    runs.push_back(json{{"time_to_first_token", {{"unit", "ms"}, {"avg", ttft}, {"p50", ttft}, {"p90", ttft + 1},
                                                 {"p99", ttft + 2}}},
                        {"request_throughput", {{"unit", "requests/sec"}, {"avg", 100.0}}},
                        {"input_config", {{"model", "m"}}}});
  }
  auto a = aggregate_runs(runs, 0.95);
  EXPECT_EQ(a["num_runs"], 3);
  const auto& avg = a["metrics"]["time_to_first_token"]["avg"];
  EXPECT_DOUBLE_EQ(avg["mean"].get<double>(), 12);
  EXPECT_DOUBLE_EQ(avg["std"].get<double>(), 2);  // sample std of 10, 12, 14
  const double half = student_t_quantile(0.975, 2) * 2 / std::sqrt(3.0);
  EXPECT_NEAR(avg["ci_low"].get<double>(), 12 - half, 1e-9);
  EXPECT_NEAR(avg["ci_high"].get<double>(), 12 + half, 1e-9);
  EXPECT_DOUBLE_EQ(a["metrics"]["request_throughput"]["avg"]["ci_high"].get<double>(), 100);  // no spread
  EXPECT_FALSE(a["metrics"].contains("input_config"));
  EXPECT_NE(aggregate_table(a).find("time_to_first_token"), std::string::npos);
}

}  // namespace
}  // namespace aiperf::report
