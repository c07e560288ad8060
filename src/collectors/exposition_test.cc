#include "collectors/exposition.h"

#include <gtest/gtest.h>

#include <cmath>

namespace aiperf::collectors {
namespace {

TEST(ExpositionTest, GroupsHistogramSamplesUnderTheirFamily) {
  auto e = parse_exposition(
      "# HELP vllm:time_to_first_token_seconds Histogram of TTFT.\n"
      "# TYPE vllm:time_to_first_token_seconds histogram\n"
      "vllm:time_to_first_token_seconds_bucket{le=\"0.1\",model_name=\"m\"} 3\n"
      "vllm:time_to_first_token_seconds_bucket{le=\"+Inf\",model_name=\"m\"} 5\n"
      "vllm:time_to_first_token_seconds_sum{model_name=\"m\"} 1.25\n"
      "vllm:time_to_first_token_seconds_count{model_name=\"m\"} 5\n");
  ASSERT_TRUE(e) << e.error().describe();
  ASSERT_EQ(e->families.size(), 1u);
  const auto& f = e->families[0];
  EXPECT_EQ(f.name, "vllm:time_to_first_token_seconds");
  EXPECT_EQ(f.type, MetricType::kHistogram);
  EXPECT_EQ(f.help, "Histogram of TTFT.");
  ASSERT_EQ(f.samples.size(), 4u);
  EXPECT_EQ(*f.samples[1].label("le"), "+Inf");
  EXPECT_EQ(f.samples[2].value, 1.25);
}

TEST(ExpositionTest, ReadsEscapesSpecialValuesAndTimestamps) {
  auto e = parse_exposition(
      "# HELP x a \\\\ b \\n c\n"
      "x{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\",} NaN 1700000000000\n"
      "y +Inf\n"
      "z   -1.5e3\t-12\n"
      "# a plain comment\n\n");
  ASSERT_TRUE(e) << e.error().describe();
  ASSERT_EQ(e->families.size(), 3u);
  const auto& x = e->families[0].samples[0];
  EXPECT_EQ(e->families[0].help, "a \\ b \n c");
  EXPECT_EQ(*x.label("path"), "C:\\dir");
  EXPECT_EQ(*x.label("quote"), "say \"hi\"");
  EXPECT_EQ(*x.label("nl"), "a\nb");
  EXPECT_TRUE(std::isnan(x.value));
  EXPECT_EQ(x.timestamp_ms, 1700000000000);
  EXPECT_TRUE(std::isinf(e->families[1].samples[0].value));
  EXPECT_EQ(e->families[2].samples[0].value, -1500);
  EXPECT_EQ(e->families[2].samples[0].timestamp_ms, -12);
}

TEST(ExpositionTest, ReportsLineAndColumnOfTheFirstError) {
  auto e = parse_exposition("a 1\nb{x=\"1\" 2\n");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().line, 2);
  EXPECT_EQ(e.error().column, 9);
  EXPECT_NE(e.error().describe().find("exposition:2:9"), std::string::npos) << e.error().describe();
}

TEST(ExpositionTest, RejectsWhatThePrometheusFormatForbids) {
  const char* bad[] = {
      "a{x=\"1\",x=\"2\"} 1\n",              // duplicate label
      "a{x=\"\\q\"} 1\n",                     // bad escape
      "a one\n",                              // bad value
      "a 1 1.5\n",                            // float timestamp
      "# TYPE a counter\n# TYPE a gauge\n",   // second TYPE
      "a 1\n# TYPE a counter\n",              // TYPE after samples
      "# TYPE a nonsense\n",                  // unknown type
      "9a 1\n",                               // bad name
      "a{9=\"1\"} 1\n",                       // bad label name
      "a\n",                                  // no value
  };
  for (const char* text : bad) EXPECT_FALSE(parse_exposition(text)) << text;
}

TEST(ExpositionTest, ReadsOpenMetricsWithUnitsExemplarsAndEof) {
  auto e = parse_exposition(
      "# TYPE req counter\n"
      "# UNIT req requests\n"
      "# HELP req Requests.\n"
      "req_total{code=\"200\"} 10 1700000000.5 # {trace_id=\"abc\"} 1 1700000000.1\n"
      "req_created{code=\"200\"} 1700000000\n"
      "# TYPE build info\n"
      "build_info{version=\"1\"} 1\n"
      "# EOF\n");
  ASSERT_TRUE(e) << e.error().describe();
  EXPECT_TRUE(e->openmetrics);
  const auto* req = e->find("req");
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->unit, "requests");
  EXPECT_EQ(req->samples.size(), 2u);
  EXPECT_EQ(req->samples[0].timestamp_ms, 1700000000500);
  EXPECT_EQ(e->find("build")->type, MetricType::kInfo);
}

TEST(ExpositionTest, RejectsWhatOpenMetricsForbids) {
  auto om = ExpositionFormat::kOpenMetrics;
  EXPECT_FALSE(parse_exposition("a 1\n", om));                                  // no # EOF
  EXPECT_FALSE(parse_exposition("a 1\n# EOF\nb 2\n", om));                      // after EOF
  EXPECT_FALSE(parse_exposition("a 1\n\n# EOF\n", om));                         // empty line
  EXPECT_FALSE(parse_exposition("# TYPE c counter\nc 1\n# EOF\n", om));         // counter without _total
  EXPECT_FALSE(parse_exposition("a 1\nb 1\na 2\n# EOF\n", om));                 // interleaved
  EXPECT_FALSE(parse_exposition("a  1\n# EOF\n", om));                          // two spaces
  EXPECT_FALSE(parse_exposition("# TYPE a untyped\n# EOF\n", om));              // Prometheus-only type
  EXPECT_FALSE(parse_exposition("# TYPE a histogram\na_bucket 1\n# EOF\n", om));  // bucket without le
  EXPECT_FALSE(parse_exposition("# TYPE a summary\na 1\n# EOF\n", om));          // quantile missing
  EXPECT_TRUE(parse_exposition("# TYPE a unknown\na 1\n# EOF\n", om));
}

}  // namespace
}  // namespace aiperf::collectors
