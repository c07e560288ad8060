// adaptive_rate through the real, installed aiperf: `plugins check` and a
// benchmark against the mock server.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "common/testing/process.h"

namespace {

using plugin_test::run;

const std::string kAiperf = AIPERF_EXECUTABLE;
const std::string kPluginDir = PLUGIN_BUILD_DIR;

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(AdaptiveRateE2eTest, PluginsCheckLoadsAndConstructsIt) {
  auto r = run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "timing_strategy:adaptive_rate",
                "--config", R"({"initial_rate": 50, "slo": {"metric": "request_latency", "threshold_ms": 200}})"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(AdaptiveRateE2eTest, PluginsCheckReportsABadConfigWithTheKey) {
  auto r = run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "timing_strategy:adaptive_rate",
                "--config", R"({"initial_rate": 50, "scale_factor": 0.5, "slo": {"threshold_ms": 200}})"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("factory failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'scale_factor' must be greater than 1"), std::string::npos) << r.output;
}

// Runs a profile with adaptive_rate against a mock server answering with `ttft_ms`.
struct Run {
  plugin_test::CommandResult result;
  std::vector<nlohmann::json> records;
  std::string exports;
};

Run profile(const std::string& name, const std::string& ttft_ms, const nlohmann::json& config) {
  plugin_test::MockServer server(AIPERF_MOCK_SERVER_EXECUTABLE, {"--ttft", ttft_ms, "--itl", "1"});
  auto dir = plugin_test::fresh_temp_dir("adaptive-rate-" + name);
  Run out;
  auto args = plugin_test::chat_profile_argv(kAiperf, kPluginDir, server.url(), dir, "64", "100000");
  args.insert(args.end(), {"--timing-strategy", "adaptive_rate", "--timing-config", config.dump()});
  out.result = run(args);
  if (std::filesystem::exists(dir / "profile_export.jsonl")) {
    out.records = plugin_test::read_jsonl(dir / "profile_export.jsonl");
  }
  out.exports = slurp(dir / "profile_export_aiperf.json");
  EXPECT_EQ(server.get_json("/mock/records").size(), out.records.size());
  return out;
}

// Requests per interval, from the records' wall-clock start times relative to the first.
std::vector<int> per_interval(const std::vector<nlohmann::json>& records, int intervals, double seconds) {
  std::vector<int64_t> starts;
  for (const auto& r : records) starts.push_back(r["metadata"]["request_start_ns"].get<int64_t>());
  std::vector<int> counts(intervals, 0);
  if (starts.empty()) return counts;
  int64_t first = *std::min_element(starts.begin(), starts.end());
  for (auto s : starts) {
    auto k = static_cast<int>(static_cast<double>(s - first) / (seconds * 1e9));
    if (k >= 0 && k < intervals) ++counts[k];
  }
  return counts;
}

// A send due exactly on an interval boundary may land on either side of it when
// measured from the first request's wall-clock start: allow one either way.
void expect_counts_near(const std::vector<int>& got, const std::vector<int>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1) << "interval " << i;
}

TEST(AdaptiveRateE2eTest, ScalesUpAgainstTheMockServerWhileTheSloHolds) {
  if (!plugin_test::profile_supports(kAiperf, "--timing-strategy")) {
    GTEST_SKIP() << "this aiperf has no --timing-strategy";
  }
  auto run = profile("holds", "5", {{"initial_rate", 20}, {"scale_factor", 2}, {"interval_seconds", 1},
                                    {"max_intervals", 3},
                                    {"slo", {{"metric", "time_to_first_token"}, {"threshold_ms", 500}}}});
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  ASSERT_EQ(run.records.size(), 20u + 40u + 80u) << run.result.output;
  for (const auto& r : run.records) EXPECT_TRUE(r["error"].is_null()) << r.dump();
  expect_counts_near(per_interval(run.records, 3, 1.0), {20, 40, 80});
  std::string said = run.result.output + run.exports;
  EXPECT_NE(said.find("highest rate that held: 80.00 req/s"), std::string::npos) << said;
}

TEST(AdaptiveRateE2eTest, BacksOffWhenTheMockServerBreaksTheSlo) {
  if (!plugin_test::profile_supports(kAiperf, "--timing-strategy")) {
    GTEST_SKIP() << "this aiperf has no --timing-strategy";
  }
  // TTFT is 60 ms, the SLO 20 ms: every interval breaks, the rate halves each time.
  auto run = profile("breaks", "60", {{"initial_rate", 20}, {"interval_seconds", 1}, {"max_intervals", 3},
                                      {"slo", {{"threshold_ms", 20}}}});
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  EXPECT_EQ(run.records.size(), 20u + 10u + 5u) << run.result.output;
  expect_counts_near(per_interval(run.records, 3, 1.0), {20, 10, 5});
  std::string said = run.result.output + run.exports;
  EXPECT_NE(said.find("no rate held the SLO"), std::string::npos) << said;
}

}  // namespace
