#include "exposition.h"

#include <gtest/gtest.h>

#include "support/pushgateway_server.h"

namespace aiperf_prometheus {
namespace {

using plugin_test::find_value;
using plugin_test::parse_exposition;

TEST(PrometheusNameTest, ConvertsMillisecondsToSeconds) {
  auto n = prometheus_name("time_to_first_token", "ms");
  EXPECT_EQ(n.name, "aiperf_time_to_first_token_seconds");
  EXPECT_DOUBLE_EQ(n.scale, 1e-3);
  EXPECT_EQ(n.unit, "seconds");
}

TEST(PrometheusNameTest, DoesNotRepeatTheSecondsSuffix) {
  EXPECT_EQ(prometheus_name("wait_seconds", "sec").name, "aiperf_wait_seconds");
  EXPECT_EQ(prometheus_name("benchmark_duration", "sec").name, "aiperf_benchmark_duration_seconds");
}

TEST(PrometheusNameTest, KeepsRatesAndCountsAsTaggedWithTheUnitInHelp) {
  auto n = prometheus_name("output_token_throughput", "tokens/sec");
  EXPECT_EQ(n.name, "aiperf_output_token_throughput");
  EXPECT_DOUBLE_EQ(n.scale, 1);
  EXPECT_EQ(n.unit, "tokens/sec");
}

TEST(PrometheusNameTest, ReplacesCharactersPrometheusRejects) {
  EXPECT_EQ(prometheus_name("goodput-ratio.v2", "").name, "aiperf_goodput_ratio_v2");
}

TEST(ExpositionTest, CompletedPhaseHasCountsDurationAndOneGaugePerStat) {
  aiperf::PhaseStats stats;
  stats.phase = "profiling";
  stats.start_ns = 1'700'000'000'000'000'000;
  stats.end_ns = 1'700'000'012'500'000'000;
  stats.duration_sec = 12.5;
  stats.requests_sent = 100;
  stats.requests_completed = 97;
  stats.requests_failed = 3;
  stats.metrics.push_back({"time_to_first_token", "ms", 97, 20, 10, 40, 5, 19, 30, 35, 39});
  std::string text = phase_complete_exposition(stats);
  auto series = parse_exposition(text);

  EXPECT_EQ(find_value(series, "aiperf_requests_sent", {}), 100);
  EXPECT_EQ(find_value(series, "aiperf_requests_completed", {}), 97);
  EXPECT_EQ(find_value(series, "aiperf_requests_failed", {}), 3);
  EXPECT_EQ(find_value(series, "aiperf_phase_duration_seconds", {}), 12.5);
  EXPECT_EQ(find_value(series, "aiperf_phase_running", {}), 0);
  EXPECT_NEAR(*find_value(series, "aiperf_phase_end_timestamp_seconds", {}), 1'700'000'012.5, 1e-3);
  EXPECT_DOUBLE_EQ(*find_value(series, "aiperf_time_to_first_token_seconds", {{"stat", "avg"}}), 0.020);
  EXPECT_DOUBLE_EQ(*find_value(series, "aiperf_time_to_first_token_seconds", {{"stat", "min"}}), 0.010);
  EXPECT_DOUBLE_EQ(*find_value(series, "aiperf_time_to_first_token_seconds", {{"stat", "max"}}), 0.040);
  EXPECT_DOUBLE_EQ(*find_value(series, "aiperf_time_to_first_token_seconds", {{"stat", "std"}}), 0.005);
  EXPECT_DOUBLE_EQ(*find_value(series, "aiperf_time_to_first_token_seconds", {{"stat", "p99"}}), 0.039);
  EXPECT_EQ(find_value(series, "aiperf_metric_samples", {{"metric", "time_to_first_token"}}), 97);
  EXPECT_NE(text.find("# HELP aiperf_time_to_first_token_seconds AIPerf time_to_first_token in seconds "
                      "(AIPerf reports ms)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE aiperf_requests_sent gauge"), std::string::npos) << text;
}

TEST(ExpositionTest, StartedPhaseIsMarkedRunning) {
  aiperf::PhaseStats stats;
  stats.phase = "warmup";
  stats.start_ns = 2'000'000'000;
  auto series = parse_exposition(phase_start_exposition(stats));
  EXPECT_EQ(find_value(series, "aiperf_phase_running", {}), 1);
  EXPECT_EQ(find_value(series, "aiperf_phase_start_timestamp_seconds", {}), 2);
  EXPECT_FALSE(find_value(series, "aiperf_requests_sent", {}));
}

}  // namespace
}  // namespace aiperf_prometheus
