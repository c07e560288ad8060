#include "report/compare.h"

#include <gtest/gtest.h>

#include "report/testing/synthetic_run.h"
#include "support/test_support.h"

namespace aiperf::report {
namespace {

using aiperf::testing::TempDir;

RunData synthetic(const TempDir& dir, const std::string& name, double ttft_ms, uint64_t seed) {
  testing::write_synthetic_run(dir.path() / name, {300, ttft_ms, seed});
  return load_run(dir.path() / name).value();
}

const StatDiff& find(const std::vector<StatDiff>& diffs, const std::string& tag, const std::string& stat) {
  for (const auto& d : diffs) {
    if (d.tag == tag && d.stat == stat) return d;
  }
  static const StatDiff none;
  ADD_FAILURE() << "no " << tag << " " << stat;
  return none;
}

TEST(CompareTest, HigherInjectedTtftIsSignificantForMeanAndPercentiles) {
  TempDir dir;
  auto diffs = compare_runs(synthetic(dir, "a", 40, 1), synthetic(dir, "b", 60, 2), CompareOptions{});
  for (auto stat : {"avg", "p50", "p90"}) {
    const auto& d = find(diffs, "time_to_first_token", stat);
    EXPECT_TRUE(d.significant()) << stat << " [" << *d.ci_low << ", " << *d.ci_high << "]";
    EXPECT_GT(d.diff, 0) << stat;
    EXPECT_LE(*d.ci_low, d.diff);
    EXPECT_GE(*d.ci_high, d.diff);
  }
  EXPECT_NEAR(*find(diffs, "time_to_first_token", "avg").relative, 0.5, 0.15);
}

TEST(CompareTest, SameSettingsAreNotSignificant) {
  TempDir dir;
  auto diffs = compare_runs(synthetic(dir, "a", 40, 1), synthetic(dir, "b", 40, 2), CompareOptions{});
  for (auto stat : {"avg", "p50", "p90", "p99"}) {
    EXPECT_FALSE(find(diffs, "time_to_first_token", stat).significant()) << stat;
  }
  // Single-value metrics are listed without an interval.
  const auto& throughput = find(diffs, "request_throughput", "value");
  EXPECT_FALSE(throughput.ci_low.has_value());
}

TEST(CompareTest, SameSeedGivesTheSameIntervals) {
  TempDir dir;
  auto a = synthetic(dir, "a", 40, 1), b = synthetic(dir, "b", 45, 2);
  auto first = compare_runs(a, b, CompareOptions{}), second = compare_runs(a, b, CompareOptions{});
  EXPECT_EQ(*find(first, "request_latency", "p99").ci_low, *find(second, "request_latency", "p99").ci_low);
}

TEST(CompareTest, GatesParseAndFailOnlyPastTheirLimit) {
  auto gate = parse_gate("time_to_first_token:p99:+10%");
  ASSERT_TRUE(gate) << gate.error().describe();
  EXPECT_TRUE(gate->relative);
  EXPECT_DOUBLE_EQ(gate->limit, 0.10);
  EXPECT_FALSE(parse_gate("time_to_first_token:p99"));
  EXPECT_FALSE(parse_gate("time_to_first_token:p99:10%"));  // no sign
  EXPECT_FALSE(parse_gate("time_to_first_token:p99:+ten%"));
  EXPECT_EQ(parse_gate("x:y:z").error().subject, "--fail-if");

  StatDiff d{"time_to_first_token", "p99", "ms", 100, 115, 15, 0.15, std::nullopt, std::nullopt};
  EXPECT_TRUE(check_gate(*gate, {d}).has_value());
  d.b = 105, d.diff = 5, d.relative = 0.05;
  EXPECT_FALSE(check_gate(*gate, {d}).has_value());
  EXPECT_FALSE(check_gate(parse_gate("time_to_first_token:p99:+4").value(), {d}) == std::nullopt);
  EXPECT_FALSE(check_gate(parse_gate("output_token_throughput:value:-5%").value(), {d}) == std::nullopt)
      << "a gate on a metric neither run has must fail, not pass silently";
  StatDiff drop{"output_token_throughput", "value", "tokens/sec", 1000, 900, -100, -0.10, std::nullopt, std::nullopt};
  EXPECT_TRUE(check_gate(parse_gate("output_token_throughput:value:-5%").value(), {drop}).has_value());
  EXPECT_FALSE(check_gate(parse_gate("output_token_throughput:value:-20%").value(), {drop}).has_value());
}

}  // namespace
}  // namespace aiperf::report
