#include "export/timeslice_export.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "export/artifacts.h"
#include "support/test_support.h"

namespace aiperf::exporting {
namespace {

using nlohmann::json;

constexpr int64_t kMs = 1'000'000;

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A streamed request sent at `start` ns with a TTFT of `ttft_ms`; every 50th fails.
metrics::RequestMetrics request(int i, int64_t start, double ttft_ms) {
  metrics::RequestRecord r;
  r.request_id = "r" + std::to_string(i);
  r.start_ns = start;
  r.streaming = true;
  if (i % 50 == 49) {
    r.end_ns = start + 2 * kMs;
    r.error = metrics::RequestError{metrics::ErrorKind::kHttpStatus, 500, "Internal Server Error"};
    return metrics::compute_request_metrics(r);
  }
  for (int t = 0; t < 4; ++t) r.responses.push_back({start + int64_t(ttft_ms * kMs) + t * kMs, "w ", "", {}});
  r.end_ns = r.responses.back().timestamp_ns;
  r.usage = metrics::Usage{5, 4, {}};
  return metrics::compute_request_metrics(r);
}

// 200 requests sent 5 ms apart from `phase_start` + 5 ms; TTFT grows with the send time.
struct SlicedRun {
  metrics::RunMetrics total;
  TimesliceMetrics slices{250 * kMs};
  explicit SlicedRun(int64_t phase_start = 7'000 * kMs) {
    for (int i = 0; i < 200; ++i) {
      const int64_t sent = phase_start + (i + 1) * 5 * kMs - 1;  // slice i / 50 (sent just before each 5 ms mark)
      auto m = request(i, sent, 10 + i);
      total.add(m);
      slices.add(sent - phase_start, m);
    }
  }
};

TEST(TimesliceExportTest, EveryRequestFallsInTheSliceOfItsSendTimeAndCountsSumToTheTotal) {
  SlicedRun run;
  const json slices = timeslices_json(run.slices);
  ASSERT_EQ(slices.size(), 4u) << slices.dump();
  int64_t ok = 0, failed = 0;
  double previous_p50 = 0;
  for (std::size_t i = 0; i < slices.size(); ++i) {
    const auto& s = slices[i];
    EXPECT_EQ(s["timeslice_index"], i);
    EXPECT_DOUBLE_EQ(s["start_sec"].get<double>(), 0.25 * double(i));
    EXPECT_DOUBLE_EQ(s["end_sec"].get<double>(), 0.25 * double(i + 1));
    EXPECT_EQ(s["request_count"]["avg"], 49);
    EXPECT_EQ(s["error_request_count"]["avg"], 1);
    EXPECT_FALSE(s.contains("input_config"));
    // Each slice's own statistics: TTFT grows with send time, so each slice's p50 exceeds the last.
    const double p50 = s["time_to_first_token"]["p50"].get<double>();
    EXPECT_GT(p50, previous_p50);
    previous_p50 = p50;
    EXPECT_EQ(s["time_to_first_token"]["count"], 49);
    ok += s["request_count"]["avg"].get<int64_t>();
    failed += s["error_request_count"]["avg"].get<int64_t>();
  }
  EXPECT_EQ(ok, run.total.request_count());
  EXPECT_EQ(failed, run.total.error_request_count());
}

TEST(TimesliceExportTest, EmptySlicesBetweenAreListedWithZeroCounts) {
  TimesliceMetrics slices(100 * kMs);
  slices.add(10 * kMs, request(0, 10 * kMs, 10));
  slices.add(350 * kMs, request(1, 350 * kMs, 10));
  slices.add(-5 * kMs, request(2, 0, 10));  // stamped a hair before the phase start: the first slice
  const json out = timeslices_json(slices);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]["request_count"]["avg"], 2);
  EXPECT_EQ(out[1]["request_count"]["avg"], 0);
  EXPECT_FALSE(out[1].contains("time_to_first_token"));
  EXPECT_EQ(out[3]["request_count"]["avg"], 1);
}

TEST(TimesliceExportTest, RequestsPastTheLastKeptSliceAreCountedNotSliced) {
  TimesliceMetrics slices(kMs);
  slices.add((kMaxTimeslices - 1) * kMs, request(0, 0, 10));
  slices.add(kMaxTimeslices * kMs, request(1, 0, 10));
  slices.add(3 * kMaxTimeslices * kMs, request(2, 0, 10));
  EXPECT_EQ(slices.slices().size(), 1u);
  EXPECT_EQ(slices.slices().begin()->first, kMaxTimeslices - 1);
  EXPECT_EQ(slices.unsliced(), 2);
  EXPECT_EQ(timeslices_json(slices).size(), std::size_t(kMaxTimeslices));
}

TEST(TimesliceExportTest, CsvHasAIPerfsTidyRowsForEverySlice) {
  SlicedRun run;
  const std::string csv = timeslices_csv(run.slices);
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "Timeslice,Metric,Unit,Stat,Value");
  std::set<std::string> slices_seen;
  int ttft_rows = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 4) << line;
    slices_seen.insert(line.substr(0, line.find(',')));
    if (line.find(",Time to First Token,ms,") != std::string::npos) ++ttft_rows;
  }
  EXPECT_EQ(slices_seen, (std::set<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(ttft_rows, 4 * 8);  // avg min max p50 p90 p95 p99 std per slice
}

TEST(TimesliceExportTest, SummariesCarryTheSlicesAndAIPerfsFilesAreWrittenBeside) {
  aiperf::testing::TempDir dir;
  SlicedRun run;
  const auto results = run.total.results();
  ErrorSummary errors;
  ArtifactSet set;
  set.dir = dir.path();
  set.profiling.metrics = &run.total;
  set.profiling.results = &results;
  set.errors = &errors;
  set.timeslices = &run.slices;
  set.profiling_start_ns = 42;
  ASSERT_TRUE(write_artifacts(set).empty());
  const auto doc = json::parse(slurp(dir.path() / "profile_export_aiperf.json"));
  EXPECT_EQ(doc["timeslices"], timeslices_json(run.slices));
  EXPECT_DOUBLE_EQ(doc["timeslice_duration_sec"].get<double>(), 0.25);
  EXPECT_EQ(doc["profiling_start_ns"], 42);
  const std::string csv = slurp(dir.path() / "profile_export_aiperf.csv");
  EXPECT_NE(csv.find("\n\n" + timeslices_csv(run.slices)), std::string::npos);  // the third section
  const auto own = json::parse(slurp(dir.path() / "profile_export_aiperf_timeslices.json"));
  EXPECT_EQ(own["timeslices"], doc["timeslices"]);
  EXPECT_EQ(slurp(dir.path() / "profile_export_aiperf_timeslices.csv"), timeslices_csv(run.slices));
  set.timeslices = nullptr;  // without --slice-duration: no slices anywhere
  std::filesystem::remove(dir.path() / "profile_export_aiperf_timeslices.json");
  ASSERT_TRUE(write_artifacts(set).empty());
  EXPECT_FALSE(json::parse(slurp(dir.path() / "profile_export_aiperf.json")).contains("timeslices"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "profile_export_aiperf_timeslices.json"));
}

}  // namespace
}  // namespace aiperf::exporting
