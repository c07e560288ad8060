#include "report/sweep.h"

#include <gtest/gtest.h>

namespace aiperf::report {
namespace {

using nlohmann::json;

TEST(SweepTest, ParsesListsArithmeticAndGeometricRanges) {
  EXPECT_EQ(parse_sweep_values("1,2,4").value(), (std::vector<double>{1, 2, 4}));
  EXPECT_EQ(parse_sweep_values("2:8:2").value(), (std::vector<double>{2, 4, 6, 8}));
  EXPECT_EQ(parse_sweep_values("1:16:x2").value(), (std::vector<double>{1, 2, 4, 8, 16}));
  EXPECT_EQ(parse_sweep_values("0.5:1.5:0.5").value(), (std::vector<double>{0.5, 1, 1.5}));
  for (auto bad : {"1,,2", "0,1", "4:2:1", "1:4:0", "1:4:x1", "1:4", "a,b", "1:1e9:1"}) {
    EXPECT_FALSE(parse_sweep_values(bad)) << bad;
  }
  EXPECT_EQ(sweep_value_text(4), "4");
  EXPECT_EQ(sweep_value_text(2.5), "2.5");
}

TEST(SweepTest, StopConditionComparesTheNamedStatistic) {
  auto c = parse_stop_condition("time_to_first_token:p99>500");
  ASSERT_TRUE(c) << c.error().describe();
  json slow = {{"time_to_first_token", {{"p99", 650.0}}}};
  json fast = {{"time_to_first_token", {{"p99", 120.0}}}};
  EXPECT_TRUE(stop_condition_met(*c, slow));
  EXPECT_FALSE(stop_condition_met(*c, fast));
  EXPECT_FALSE(stop_condition_met(*c, json::object()));
  json slow_rate = {{"request_throughput", {{"avg", 150.0}}}};
  EXPECT_TRUE(stop_condition_met(parse_stop_condition("request_throughput:avg<200").value(), slow_rate));
  for (auto bad : {"time_to_first_token>5", "time_to_first_token:p99", ":p99>5", "x:p99>five"}) {
    EXPECT_FALSE(parse_stop_condition(bad)) << bad;
  }
}

TEST(SweepTest, ParetoFrontKeepsOnlyUndominatedPoints) {
  // Maximise both: (1,5) and (3,3) and (4,1) trade off; (2,2) is dominated by (3,3).
  std::vector<std::pair<double, double>> points = {{1, 5}, {2, 2}, {3, 3}, {4, 1}};
  EXPECT_EQ(pareto_front(points, true, true), (std::vector<std::size_t>{0, 2, 3}));
  // Maximise x, minimise y: (4,1) dominates everything.
  EXPECT_EQ(pareto_front(points, true, false), (std::vector<std::size_t>{3}));
}

TEST(SweepTest, ParetoChartsMarkTheOptimalRuns) {
  json summary = {{"parameter", "concurrency"}, {"runs", json::array()}};
  for (double c : {1.0, 2.0, 4.0}) {
    summary["runs"].push_back(json{{"concurrency", c},
                                   {"output_token_throughput_per_user_avg", 100 / c},
                                   {"output_token_throughput_avg", 90 * c},
                                   {"request_throughput_avg", 10 * c},
                                   {"time_to_first_token_p99", 20 * c}});
  }
  auto charts = pareto_charts(summary);
  ASSERT_EQ(charts.size(), 2u);
  EXPECT_EQ(charts[0].series[0].label, "Pareto-optimal");
  EXPECT_EQ(charts[0].series[0].points.size(), 3u);  // a pure trade-off: every run is optimal
  EXPECT_EQ(charts[0].series[1].points.size(), 3u);
}

}  // namespace
}  // namespace aiperf::report
