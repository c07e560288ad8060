#include "export/profile_export.h"
#include "export/console_table.h"

#include <gtest/gtest.h>

#include <sstream>

namespace aiperf::exporting {
namespace {

using nlohmann::json;

metrics::RequestRecord streamed(int64_t start, int tokens, int64_t ttft_ns, int64_t itl_ns) {
  metrics::RequestRecord r;
  r.request_id = "r" + std::to_string(start);
  r.start_ns = start;
  r.streaming = true;
  for (int i = 0; i < tokens; ++i) r.responses.push_back({start + ttft_ns + i * itl_ns, "w ", "", {}});
  r.end_ns = r.responses.back().timestamp_ns;
  r.usage = metrics::Usage{5, static_cast<uint64_t>(tokens), {}};
  return r;
}

metrics::RequestRecord failed(int status, std::string message) {
  metrics::RequestRecord r;
  r.start_ns = 1;
  r.end_ns = 2;
  r.error = metrics::RequestError{metrics::ErrorKind::kHttpStatus, status, std::move(message)};
  return r;
}

TEST(ProfileExportTest, AggregateJsonHasEveryMetricWithUnitAndStats) {
  metrics::RunMetrics run;
  run.add(streamed(0, 10, 50'000'000, 5'000'000));
  run.add(streamed(1'000'000, 10, 52'000'000, 5'000'000));
  ErrorSummary errors;
  auto bad = failed(500, "Internal Server Error");
  run.add(bad);
  errors.add(*bad.error);
  RunInfo info;
  info.start_time = iso8601(0);
  auto doc = aggregate_json(run, errors, info);
  for (auto tag : {"time_to_first_token", "inter_token_latency", "request_latency",
                   "output_token_throughput_per_user", "output_sequence_length"}) {
    ASSERT_TRUE(doc.contains(tag)) << tag;
    for (auto key : {"unit", "avg", "min", "max", "std", "p1", "p5", "p10", "p25", "p50", "p75",
                     "p90", "p95", "p99", "count"}) {
      EXPECT_TRUE(doc[tag].contains(key)) << tag << "." << key;
    }
  }
  EXPECT_EQ(doc["time_to_first_token"]["unit"], "ms");
  EXPECT_DOUBLE_EQ(doc["time_to_first_token"]["avg"].get<double>(), 51.0);
  EXPECT_DOUBLE_EQ(doc["inter_token_latency"]["avg"].get<double>(), 5.0);
  EXPECT_EQ(doc["request_throughput"]["unit"], "requests/sec");
  EXPECT_EQ(doc["request_count"]["avg"], 2);
  EXPECT_EQ(doc["error_request_count"]["avg"], 1);
  EXPECT_EQ(doc["token_count_sources"]["output_sequence_length"]["reported"], 2);
  EXPECT_EQ(doc["errors_by_kind"]["http_status"], 1);
  EXPECT_EQ(doc["error_summary"][0]["error_details"]["code"], 500);
  EXPECT_EQ(doc["error_summary"][0]["count"], 1);
  EXPECT_EQ(doc["start_time"], "1970-01-01T00:00:00.000000Z");
  EXPECT_FALSE(doc["was_cancelled"].get<bool>());
}

TEST(ProfileExportTest, EveryPercentileCarriesAnOrderStatisticInterval) {
  metrics::RunMetrics run;
  for (int i = 0; i < 50; ++i) run.add(streamed(i * 1'000'000, 4, (40 + i) * 1'000'000, 5'000'000));
  auto doc = aggregate_json(run, ErrorSummary{}, RunInfo{});
  const auto& ttft = doc["time_to_first_token"];
  EXPECT_EQ(ttft["ci_level"], metrics::kPercentileConfidence);
  for (auto key : {"p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"}) {
    const auto& ci = ttft[std::string(key) + "_ci"];
    ASSERT_TRUE(ci.is_array() && ci.size() == 2) << key;
    if (!ci[0].is_null()) {
      EXPECT_LE(ci[0].get<double>(), ttft[key].get<double>()) << key;
    }
    if (!ci[1].is_null()) {
      EXPECT_GE(ci[1].get<double>(), ttft[key].get<double>()) << key;
    }
  }
  // 50 values bound the median on both sides, but not p99 above (that needs 368).
  EXPECT_FALSE(ttft["p50_ci"][0].is_null());
  EXPECT_FALSE(ttft["p50_ci"][1].is_null());
  EXPECT_TRUE(ttft["p99_ci"][1].is_null());
}

TEST(ProfileExportTest, ConsoleWarnsWhenP99RestsOnTooFewValues) {
  auto with = [](int n) {
    metrics::RunMetrics run;
    for (int i = 0; i < n; ++i) run.add(streamed(i * 1'000'000, 3, (40 + i % 7) * 1'000'000, 5'000'000));
    return percentile_warning(run.results());
  };
  const std::string few = with(71);
  EXPECT_NE(few.find("71 values"), std::string::npos) << few;
  EXPECT_NE(few.find("p99 needs 368"), std::string::npos) << few;
  EXPECT_EQ(few.find("p50"), std::string::npos) << few;
  EXPECT_EQ(with(400), "");
}

TEST(ProfileExportTest, CsvHasTwoSectionsWithUnits) {
  metrics::RunMetrics run;
  run.add(streamed(0, 4, 10'000'000, 1'000'000));
  auto csv = aggregate_csv(run);
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "Metric,avg,min,max,p1,p5,p10,p25,p50,p75,p90,p95,p99,std");
  int rows = 0;
  while (std::getline(in, line) && !line.empty()) {
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 13) << line;
    EXPECT_NE(line.find(" ("), std::string::npos) << "unit missing: " << line;
    ++rows;
  }
  EXPECT_GE(rows, 5);
  std::getline(in, line);
  EXPECT_EQ(line, "Metric,Value");
  EXPECT_NE(csv.find("Request Throughput (requests/sec),"), std::string::npos) << csv;
}

TEST(ProfileExportTest, RecordLineNamesTheUrlAndTheTlsHandshake) {
  auto record = streamed(0, 3, 20'000'000, 2'000'000);
  record.transport.tls_handshake_ns = 1'500'000;
  auto m = metrics::compute_request_metrics(record);
  auto line = json::parse(record_line({1, "x", 1, 2, "profiling", false, "https://a:1"}, m));
  EXPECT_EQ(line["metadata"]["url"], "https://a:1");
  EXPECT_DOUBLE_EQ(line["metrics"]["tls_handshake_time"]["value"].get<double>(), 1.5);
  auto plain = json::parse(record_line({1, "x", 1, 2, "profiling", false, ""}, metrics::compute_request_metrics(streamed(0, 3, 1, 1))));
  EXPECT_FALSE(plain["metadata"].contains("url"));
  EXPECT_FALSE(plain["metrics"].contains("tls_handshake_time"));
}

TEST(ProfileExportTest, RecordLineCarriesMetricsOrError) {
  auto ok = metrics::compute_request_metrics(streamed(0, 3, 20'000'000, 2'000'000));
  auto line = json::parse(record_line({7, "abc", 100, 200, "profiling", false, ""}, ok));
  EXPECT_EQ(line["metadata"]["session_num"], 7);
  EXPECT_EQ(line["metadata"]["x_request_id"], "abc");
  EXPECT_DOUBLE_EQ(line["metrics"]["time_to_first_token"]["value"].get<double>(), 20.0);
  EXPECT_EQ(line["metrics"]["inter_chunk_latency"]["value"].size(), 2u);
  EXPECT_EQ(line["metrics"]["output_sequence_length"]["source"], "reported");
  EXPECT_TRUE(line["error"].is_null());

  auto bad = metrics::compute_request_metrics(failed(429, "Too Many Requests"));
  auto err = json::parse(record_line({8, "def", 1, 2, "profiling", false, ""}, bad));
  EXPECT_EQ(err["error"]["code"], 429);
  EXPECT_EQ(err["error"]["type"], "http_status");
  EXPECT_FALSE(err["metrics"].contains("time_to_first_token"));
}

TEST(ProfileExportTest, ErrorSummaryGroupsAndSortsByCount) {
  ErrorSummary s;
  s.add({metrics::ErrorKind::kIo, {}, "reset"});
  s.add({metrics::ErrorKind::kHttpStatus, 500, "boom"});
  s.add({metrics::ErrorKind::kHttpStatus, 500, "boom"});
  auto j = s.to_json();
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["count"], 2);
  EXPECT_TRUE(j[1]["error_details"]["code"].is_null());
}

TEST(ProfileExportTest, ByClassBreaksEveryMetricDownPerClass) {
  ClassMetrics classes;
  classes["short"].add(streamed(0, 4, 10'000'000, 1'000'000));
  classes["long"].add(streamed(0, 20, 80'000'000, 2'000'000));
  classes["long"].add(streamed(5, 20, 90'000'000, 2'000'000));
  json doc = by_class_json(classes);
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc["long"]["request_count"]["avg"], 2);
  EXPECT_EQ(doc["short"]["request_count"]["avg"], 1);
  EXPECT_DOUBLE_EQ(doc["short"]["time_to_first_token"]["avg"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(doc["long"]["time_to_first_token"]["avg"].get<double>(), 85.0);
  EXPECT_FALSE(doc["long"].contains("input_config"));
  RecordMetadata md{1, "id", 1, 2, "profiling", false, "", "long"};
  auto m = metrics::compute_request_metrics(streamed(0, 4, 10'000'000, 1'000'000));
  EXPECT_EQ(json::parse(record_line(md, m))["metadata"]["class"], "long");
  md.class_label = {};
  EXPECT_FALSE(json::parse(record_line(md, m))["metadata"].contains("class"));
}

}  // namespace
}  // namespace aiperf::exporting
