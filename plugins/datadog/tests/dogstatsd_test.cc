#include "dogstatsd.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>

#include "metrics.h"
#include "support/listeners.h"
#include "common/testing/process.h"

namespace aiperf_datadog {
namespace {

aiperf::PhaseStats stats_with_metrics(int metric_count) {
  aiperf::PhaseStats stats;
  stats.phase = "profiling";
  stats.duration_sec = 12.5;
  stats.requests_sent = 100;
  stats.requests_completed = 99;
  stats.requests_failed = 1;
  for (int i = 0; i < metric_count; ++i) {
    stats.metrics.push_back({"metric_number_" + std::to_string(i), "ms", 99, 20.25, 10, 40, 5, 19, 30, 35, 39});
  }
  return stats;
}

TEST(DatadogMetricsTest, CompletedPhaseNamesFollowPrefixTagStat) {
  auto stats = stats_with_metrics(0);
  stats.metrics.push_back({"time_to_first_token", "ms", 99, 20.25, 10, 40, 5, 19, 30, 35, 39});
  std::map<std::string, double> by_name;
  for (const auto& g : phase_complete_gauges("aiperf", stats)) by_name[g.name] = g.value;
  EXPECT_EQ(by_name.at("aiperf.requests.sent"), 100);
  EXPECT_EQ(by_name.at("aiperf.requests.completed"), 99);
  EXPECT_EQ(by_name.at("aiperf.requests.failed"), 1);
  EXPECT_EQ(by_name.at("aiperf.phase.duration"), 12.5);
  EXPECT_EQ(by_name.at("aiperf.phase.running"), 0);
  EXPECT_EQ(by_name.at("aiperf.time_to_first_token.avg"), 20.25);
  EXPECT_EQ(by_name.at("aiperf.time_to_first_token.p99"), 39);
  EXPECT_EQ(by_name.at("aiperf.time_to_first_token.std"), 5);
  EXPECT_EQ(by_name.at("aiperf.time_to_first_token.count"), 99);
  EXPECT_EQ(by_name.size(), 6u + 9u);
}

TEST(DatadogMetricsTest, NonFiniteValuesAreLeftOut) {
  auto stats = stats_with_metrics(0);
  stats.duration_sec = std::nan("");
  for (const auto& g : phase_complete_gauges("aiperf", stats)) EXPECT_NE(g.name, "aiperf.phase.duration");
}

TEST(DogStatsdTest, LineHasNameValueTypeAndTags) {
  EXPECT_EQ(statsd_line({"aiperf.time_to_first_token.avg", 12.5}, {"phase:profiling", "team:ml"}),
            "aiperf.time_to_first_token.avg:12.5|g|#phase:profiling,team:ml");
  EXPECT_EQ(statsd_line({"aiperf.requests.sent", 200}, {}), "aiperf.requests.sent:200|g");
  EXPECT_EQ(statsd_line({"x", 1e-6}, {}), "x:1e-06|g");
}

TEST(DogStatsdTest, DatagramsStayUnderTheSizeLimitAndKeepEveryLine) {
  auto gauges = phase_complete_gauges("aiperf", stats_with_metrics(20));
  std::vector<std::string> tags = {"phase:profiling", "team:ml-perf"};
  auto datagrams = statsd_datagrams(gauges, tags);
  EXPECT_GT(datagrams.size(), 5u);
  std::size_t lines = 0;
  for (const auto& d : datagrams) {
    EXPECT_LE(d.size(), kMaxDatagramBytes);
    EXPECT_NE(d.back(), '\n');
    lines += plugin_test::parse_statsd(d).size();
  }
  EXPECT_EQ(lines, gauges.size());
}

TEST(DogStatsdTest, ClosedPortNeitherThrowsNorBlocks) {
  int port = plugin_test::free_tcp_port();  // the same number is almost surely closed for UDP too
  StatsdClient client("127.0.0.1", port);
  auto datagrams = statsd_datagrams(phase_complete_gauges("aiperf", stats_with_metrics(50)), {"phase:x"});
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.send(datagrams), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(DogStatsdTest, UnresolvableHostIsNamed) {
  try {
    StatsdClient client("no-such-host.invalid", 8125);
    FAIL() << "resolved";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot resolve DogStatsD host 'no-such-host.invalid'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace aiperf_datadog
