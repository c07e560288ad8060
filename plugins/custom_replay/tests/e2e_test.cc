// custom_replay through the real, installed aiperf: `plugins check`, and a run
// recorded against the mock server then replayed at its original send times.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "common/testing/process.h"

namespace {

using plugin_test::run;

const std::string kAiperf = AIPERF_EXECUTABLE;
const std::string kMock = AIPERF_MOCK_SERVER_EXECUTABLE;
const std::string kPluginDir = PLUGIN_BUILD_DIR;

std::vector<std::string> profile_args(const std::string& url, const std::filesystem::path& dir,
                                      const std::string& concurrency, const std::string& count) {
  return plugin_test::chat_profile_argv(kAiperf, kPluginDir, url, dir, concurrency, count);
}

// Sorted send times of a profile_export.jsonl, relative to the first.
std::vector<int64_t> relative_starts(const std::filesystem::path& jsonl) {
  std::vector<int64_t> starts;
  for (const auto& r : plugin_test::read_jsonl(jsonl)) {
    EXPECT_TRUE(r["error"].is_null()) << r.dump();
    starts.push_back(r["metadata"]["request_start_ns"].get<int64_t>());
  }
  std::sort(starts.begin(), starts.end());
  const int64_t first = starts.empty() ? 0 : starts.front();
  for (auto& s : starts) s -= first;
  return starts;
}

// A run of 24 requests, two at a time, against a server with 15 ms TTFT and 3 ms ITL:
// irregular send times spread over a few hundred ms.
std::filesystem::path record_original(const std::filesystem::path& dir) {
  plugin_test::MockServer server(kMock, {"--ttft", "15", "--itl", "3"});
  auto r = run(profile_args(server.url(), dir / "original", "2", "24"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return dir / "original" / "profile_export.jsonl";
}

void expect_replayed(const std::filesystem::path& original, double time_scale,
                     const std::filesystem::path& dir) {
  plugin_test::MockServer server(kMock, {"--fast"});
  auto args = profile_args(server.url(), dir, "64", "1000");
  nlohmann::json config = {{"path", original.string()}, {"time_scale", time_scale}};
  args.insert(args.end(), {"--timing-strategy", "custom_replay", "--timing-config", config.dump()});
  auto r = run(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto want = relative_starts(original);
  auto got = relative_starts(dir / "profile_export.jsonl");
  ASSERT_EQ(got.size(), want.size()) << r.output;  // one request per record, then Stop
  EXPECT_EQ(server.get_json("/mock/records").size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    double expected_ms = static_cast<double>(want[i]) * time_scale / 1e6;
    EXPECT_NEAR(static_cast<double>(got[i]) / 1e6, expected_ms, 4.0) << "request " << i;
  }
}

TEST(CustomReplayE2eTest, PluginsCheckLoadsItWithARecordedFile) {
  auto dir = plugin_test::fresh_temp_dir("custom-replay-check");
  auto file = dir / "recorded.jsonl";
  std::ofstream(file) << R"({"metadata": {"request_start_ns": 1000}, "error": null})" << "\n";
  auto ok = run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "timing_strategy:custom_replay",
                 "--config", nlohmann::json{{"path", file.string()}}.dump()});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;

  auto missing = (dir / "missing.jsonl").string();
  auto bad = run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "timing_strategy:custom_replay",
                  "--config", nlohmann::json{{"path", missing}}.dump()});
  EXPECT_NE(bad.exit_code, 0) << bad.output;
  EXPECT_NE(bad.output.find("factory failed"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find(missing), std::string::npos) << bad.output;
}

TEST(CustomReplayE2eTest, ReplaysARecordedRunAtItsOriginalSendTimes) {
  if (!plugin_test::profile_supports(kAiperf, "--timing-strategy")) {
    GTEST_SKIP() << "this aiperf has no --timing-strategy";
  }
  auto dir = plugin_test::fresh_temp_dir("custom-replay-e2e");
  auto original = record_original(dir);
  ASSERT_EQ(relative_starts(original).size(), 24u);
  expect_replayed(original, 1.0, dir / "replay");
}

TEST(CustomReplayE2eTest, TimeScaleHalfReplaysTwiceAsFast) {
  if (!plugin_test::profile_supports(kAiperf, "--timing-strategy")) {
    GTEST_SKIP() << "this aiperf has no --timing-strategy";
  }
  auto dir = plugin_test::fresh_temp_dir("custom-replay-scaled");
  auto original = record_original(dir);
  ASSERT_GT(relative_starts(original).back(), 100'000'000) << "the recorded run is too short to scale";
  expect_replayed(original, 0.5, dir / "replay");
}

}  // namespace
