#include "collectors/server_metrics.h"

#include <gtest/gtest.h>

#include <map>

#include "collectors/scrape_series.h"

namespace aiperf::collectors {
namespace {

Exposition parse(const std::string& text) {
  auto e = parse_exposition(text);
  EXPECT_TRUE(e) << e.error().describe();
  return e ? *e : Exposition{};
}

auto keep_all = [](const std::string&) { return true; };

std::map<std::string, double> values(const CollectorStat& s) { return {s.values.begin(), s.values.end()}; }

TEST(ScrapeSeriesTest, CounterIncreaseSurvivesAReset) {
  ScrapeSeries s;
  s.add(parse("# TYPE c counter\nc_total 100\n"), 0, "", keep_all);
  s.add(parse("# TYPE c counter\nc_total 130\n"), 1'000'000'000, "", keep_all);
  s.add(parse("# TYPE c counter\nc_total 5\n"), 2'000'000'000, "", keep_all);  // restarted
  const auto& c = s.scalars().at("c_total");
  EXPECT_EQ(c.increase(), 35);
  auto v = values(scalar_stat(c, "", 2.0));
  EXPECT_EQ(v["delta"], 35);
  EXPECT_EQ(v["rate"], 17.5);
}

TEST(ScrapeSeriesTest, GaugesGiveStatisticsOverTheirSamples) {
  ScrapeSeries s;
  for (int i = 1; i <= 5; ++i) s.add(parse("g{a=\"x\"} " + std::to_string(i * 10) + "\n"), i, "", keep_all);
  auto v = values(scalar_stat(s.scalars().at("g{a=\"x\"}"), "", 1));
  EXPECT_EQ(v["min"], 10);
  EXPECT_EQ(v["max"], 50);
  EXPECT_EQ(v["avg"], 30);
  EXPECT_EQ(v["p50"], 30);
  EXPECT_NEAR(v["p99"], 49.6, 1e-9);
}

TEST(ScrapeSeriesTest, HistogramsBecomeThePhasesDeltaWithInterpolatedPercentiles) {
  const char* before =
      "# TYPE h histogram\nh_bucket{le=\"0.1\"} 10\nh_bucket{le=\"0.2\"} 10\nh_bucket{le=\"+Inf\"} 10\nh_sum 0.5\nh_count 10\n";
  // During the phase: 100 observations, 50 in (0, 0.1], 50 in (0.1, 0.2].
  const char* after =
      "# TYPE h histogram\nh_bucket{le=\"0.1\"} 60\nh_bucket{le=\"0.2\"} 110\nh_bucket{le=\"+Inf\"} 110\nh_sum 15.5\nh_count 110\n";
  ScrapeSeries s;
  s.add(parse(before), 0, "", keep_all);
  s.add(parse(after), 1, "", keep_all);
  auto hs = s.histograms();
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].delta.count, 100);
  EXPECT_DOUBLE_EQ(hs[0].delta.sum, 15);
  EXPECT_DOUBLE_EQ(*hs[0].quantile(50), 0.1);
  EXPECT_DOUBLE_EQ(*hs[0].quantile(25), 0.05);
  EXPECT_DOUBLE_EQ(*hs[0].quantile(99), 0.198);
  auto v = values(histogram_stat(hs[0], ""));
  EXPECT_DOUBLE_EQ(v["avg"], 0.15);
}

TEST(ScrapeSeriesTest, SeriesThatAppearDuringThePhaseCountFromZero) {
  ScrapeSeries s;
  // The baseline has no per-model series yet (a server before its first request).
  s.add(parse("# TYPE up gauge\nup 1\n"), 0, "", keep_all);
  s.add(parse("# TYPE c counter\nc_total 40\n# TYPE g gauge\ng 7\n"
              "# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 4\nh_sum 5\nh_count 4\n"),
        1'000'000'000, "", keep_all);
  s.add(parse("# TYPE c counter\nc_total 50\n# TYPE g gauge\ng 9\n"
              "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 6\nh_sum 8\nh_count 6\n"),
        2'000'000'000, "", keep_all);
  EXPECT_EQ(s.scalars().at("c_total").increase(), 50);  // not 10: the 40 before the 2nd scrape count
  EXPECT_EQ(s.scalars().at("g").points.size(), 2u);     // a gauge gets no invented point
  auto hs = s.histograms();
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].delta.count, 6);
  EXPECT_EQ(hs[0].delta.sum, 8);
  // Another instance's first scrape is its own baseline: its series are not new.
  s.add(parse("# TYPE c counter\nc_total 70\n"), 2'000'000'000, "b", keep_all);
  s.add(parse("# TYPE c counter\nc_total 75\n"), 3'000'000'000, "b", keep_all);
  EXPECT_EQ(s.scalars().at("c_total{instance=\"b\"}").increase(), 5);
}

TEST(ScrapeSeriesTest, InstancesKeepSeveralEndpointsApartAndTheFilterDropsFamilies) {
  ScrapeSeries s;
  auto keep = [](const std::string& family) { return family.rfind("vllm:", 0) == 0; };
  s.add(parse("vllm:x 1\nother 2\n"), 0, "http://a/metrics", keep);
  s.add(parse("vllm:x 3\n"), 0, "http://b/metrics", keep);
  ASSERT_EQ(s.scalars().size(), 2u);
  EXPECT_TRUE(s.scalars().count("vllm:x{instance=\"http://a/metrics\"}"));
}

TEST(ServerMetricsTest, KnownFamiliesGetFriendlyNames) {
  EXPECT_EQ(friendly_name("vllm:num_requests_waiting"), "Requests waiting");
  EXPECT_EQ(friendly_name("vllm:prompt_tokens_total"), "Prompt tokens");  // Prometheus-format family name
  EXPECT_EQ(friendly_name("sglang:num_queue_reqs"), "Requests waiting");
  EXPECT_EQ(friendly_name("dynamo_frontend_time_to_first_token_seconds"), "TTFT (server)");
  EXPECT_EQ(friendly_name("process_cpu_seconds_total"), "");
}

TEST(ServerMetricsTest, DefaultUrlIsTheBenchmarkServersMetricsPath) {
  EXPECT_EQ(metrics_url_of("http://127.0.0.1:8000"), "http://127.0.0.1:8000/metrics");
  EXPECT_EQ(metrics_url_of("https://h:1/v1/base/"), "https://h:1/metrics");
}

TEST(ServerMetricsTest, RejectsABadFilterOrUrl) {
  EXPECT_THROW(ServerMetricsCollector(PluginConfig(nlohmann::json{{"filter", "("}})), ConfigError);
  EXPECT_THROW(ServerMetricsCollector(PluginConfig(nlohmann::json{{"urls", {"localhost:9"}}})), ConfigError);
  EXPECT_THROW(ServerMetricsCollector(PluginConfig(nlohmann::json{{"period_ms", 0}})), ConfigError);
  EXPECT_NO_THROW(ServerMetricsCollector(PluginConfig(nlohmann::json{{"filter", "^vllm:"}})));
}

}  // namespace
}  // namespace aiperf::collectors
