#include "hooks/phase_stats_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace aiperf::hooks {
namespace {

PhaseStats sample_stats() {
  PhaseStats s;
  s.phase = "profiling";
  s.start_ns = 1'700'000'000'123'456'789;
  s.end_ns = s.start_ns + 2'500'000'000;
  s.duration_sec = 2.5;
  s.requests_sent = std::numeric_limits<uint64_t>::max();  // the widest value survives exactly
  s.requests_completed = 7;
  s.requests_failed = 3;
  s.was_cancelled = true;
  MetricSummary m{"time_to_first_token", "ms", 10, 1.5, 0.25, 9.75, 0.125, 1.0, 2.0, 3.0, 4.0};
  s.metrics = {m, m};
  s.metrics[1].tag = "inter_token_latency";
  return s;
}

void expect_same(const MetricSummary& a, const MetricSummary& b) {
  EXPECT_EQ(a.tag, b.tag);
  EXPECT_EQ(a.unit, b.unit);
  EXPECT_EQ(a.count, b.count);
  for (auto [x, y] : {std::pair{a.avg, b.avg}, {a.min, b.min}, {a.max, b.max}, {a.std, b.std}, {a.p50, b.p50},
                      {a.p90, b.p90}, {a.p95, b.p95}, {a.p99, b.p99}}) {
    if (std::isnan(x)) EXPECT_TRUE(std::isnan(y));
    else EXPECT_EQ(x, y);
  }
}

TEST(PhaseStatsJsonTest, RoundTripsEveryFieldExactly) {
  auto stats = sample_stats();
  auto back = phase_stats_from_json(nlohmann::json::parse(to_json(stats).dump()));
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(back->phase, stats.phase);
  EXPECT_EQ(back->start_ns, stats.start_ns);
  EXPECT_EQ(back->end_ns, stats.end_ns);
  EXPECT_EQ(back->duration_sec, stats.duration_sec);
  EXPECT_EQ(back->requests_sent, stats.requests_sent);
  EXPECT_EQ(back->requests_completed, stats.requests_completed);
  EXPECT_EQ(back->requests_failed, stats.requests_failed);
  EXPECT_EQ(back->was_cancelled, stats.was_cancelled);
  ASSERT_EQ(back->metrics.size(), stats.metrics.size());
  for (std::size_t i = 0; i < stats.metrics.size(); ++i) expect_same(back->metrics[i], stats.metrics[i]);
}

TEST(PhaseStatsJsonTest, NonFiniteNumbersSurviveAsNamedStrings) {
  MetricSummary m;
  m.tag = "x";
  m.avg = std::numeric_limits<double>::quiet_NaN();
  m.max = std::numeric_limits<double>::infinity();
  m.min = -std::numeric_limits<double>::infinity();
  auto j = to_json(m);
  EXPECT_EQ(j["avg"], "NaN");
  auto back = metric_summary_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back) << back.error().describe();
  expect_same(*back, m);
}

TEST(PhaseStatsJsonTest, MissingOrMistypedKeyIsMalformedInputNamingTheKey) {
  auto j = to_json(sample_stats());
  for (const char* key : {"phase", "start_ns", "requests_sent", "was_cancelled", "metrics"}) {
    auto broken = j;
    broken.erase(key);
    auto r = phase_stats_from_json(broken);
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error().code, ErrorCode::kMalformedInput);
    EXPECT_NE(r.error().message.find(key), std::string::npos) << r.error().message;
  }
  auto negative = j;
  negative["requests_failed"] = -1;
  EXPECT_FALSE(phase_stats_from_json(negative));
  auto bad_metric = j;
  bad_metric["metrics"][1]["p99"] = "fast";
  auto r = phase_stats_from_json(bad_metric);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("p99"), std::string::npos);
}

TEST(PhaseStatsJsonTest, ServerMetricsRoundTripAndMayBeAbsent) {
  auto stats = sample_stats();
  stats.server_metrics = {
      {"server_metrics", "vllm:num_requests_running{model_name=\"m\"}", "Requests running", "requests", "gauge",
       {{"avg", 3.5}, {"p99", std::numeric_limits<double>::infinity()}}},
      {"gpu_telemetry", "energy_per_output_token", "Energy per output token", "J/token", "derived", {{"value", 0.25}}}};
  auto back = phase_stats_from_json(nlohmann::json::parse(to_json(stats).dump()));
  ASSERT_TRUE(back) << back.error().describe();
  ASSERT_EQ(back->server_metrics.size(), 2u);
  const auto& a = back->server_metrics[0];
  EXPECT_EQ(a.collector, "server_metrics");
  EXPECT_EQ(a.name, stats.server_metrics[0].name);
  EXPECT_EQ(a.display, "Requests running");
  EXPECT_EQ(a.kind, "gauge");
  ASSERT_EQ(a.values.size(), 2u);
  EXPECT_EQ(a.values[0], (std::pair<std::string, double>{"avg", 3.5}));
  EXPECT_TRUE(std::isinf(a.values[1].second));
  EXPECT_EQ(back->server_metrics[1].values[0].second, 0.25);
  // Written by a 1.1 host: no key, no summaries.
  auto old = to_json(stats);
  old.erase("server_metrics");
  auto read_old = phase_stats_from_json(old);
  ASSERT_TRUE(read_old);
  EXPECT_TRUE(read_old->server_metrics.empty());
  auto broken = to_json(stats);
  broken["server_metrics"][0]["values"] = nlohmann::json::array({nlohmann::json::array({"avg"})});
  EXPECT_FALSE(phase_stats_from_json(broken));
}

}  // namespace
}  // namespace aiperf::hooks
