// Timing strategies, phases, hooks and interruption, end to end against the
// real mock server.
#include <gtest/gtest.h>

#include <chrono>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;
using testing::profile;
using testing::read_run;


TEST(LoadE2ETest, ConcurrencyCeilingIsNeverExceeded) {
  MockServerProcess server({"--ttft", "40", "--itl", "2"});
  TempDir dir;
  auto run = profile(server, dir, "--streaming --request-rate 400 --concurrency 5 --request-count 100 --osl 5");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  auto stats = testing::mock_json(server, "/mock/stats");
  EXPECT_LE(stats["peak_in_flight"].get<int>(), 5);
  EXPECT_EQ(stats["peak_in_flight"].get<int>(), 5);  // the ceiling is reached, not just respected
  // Sends held back by the ceiling go out late, and that lag is reported.
  EXPECT_GT(run.aggregate["schedule_lag"]["max"].get<double>(), 10.0);
}

TEST(LoadE2ETest, HooksFireInPhaseOrderWithStatsAndAThrowingHookDoesNotStopTheRun) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto events = dir.path() / "events.jsonl";
  std::string hook = "recorder={\\\"path\\\":\\\"" + events.string() + "\\\",\\\"throw_at\\\":\\\"warmup_start\\\"}";
  auto run = profile(server, dir,
                     "--plugin-path '" + testing::fixture_dir("recorder").string() +
                         "' --phase-hook \"" + hook + "\" --warmup-request-count 6 --request-count 10 --streaming");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_NE(run.result.err.find("\u2713 Loaded phase hook: recorder"), std::string::npos) << run.result.err;
  EXPECT_NE(run.result.err.find("phase hook 'recorder' failed at warmup start: recorder told to fail"),
            std::string::npos) << run.result.err;
  std::ifstream in(events);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["event"], "start");
  EXPECT_EQ(lines[0]["phase"], "warmup");
  EXPECT_EQ(lines[1]["event"], "complete");
  EXPECT_EQ(lines[1]["phase"], "warmup");
  EXPECT_EQ(lines[1]["sent"], 6);
  EXPECT_EQ(lines[1]["completed"], 6);
  EXPECT_EQ(lines[2]["event"], "start");
  EXPECT_EQ(lines[2]["phase"], "profiling");
  EXPECT_EQ(lines[3]["phase"], "profiling");
  EXPECT_EQ(lines[3]["completed"], 10);
  EXPECT_EQ(lines[3]["metrics"]["time_to_first_token"]["count"], 10);
  // Warmup is summarised separately and kept out of the profiling results.
  EXPECT_EQ(run.aggregate["request_count"]["avg"], 10);
  EXPECT_EQ(run.aggregate["warmup_metrics"]["request_count"]["avg"], 6);
  EXPECT_EQ(run.records.size(), 10u);
  EXPECT_EQ(testing::mock_json(server, "/mock/stats")["requests"], 16);
}

TEST(LoadE2ETest, FailingHookIsReportedAndSkipped) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = profile(server, dir, "--plugin-path '" + testing::fixture_dir("recorder").string() +
                                      "' --phase-hook recorder --phase-hook nope --request-count 3");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_NE(run.result.err.find("\u2717 Failed to load phase hook 'recorder'"), std::string::npos) << run.result.err;
  EXPECT_NE(run.result.err.find("missing required key 'path'"), std::string::npos);
  EXPECT_NE(run.result.err.find("\u2717 Failed to load phase hook 'nope'"), std::string::npos);
}

TEST(LoadE2ETest, DurationBoundPhaseEndsAfterItsDuration) {
  MockServerProcess server({"--ttft", "5"});
  TempDir dir;
  auto run = profile(server, dir, "--streaming --concurrency 2 --benchmark-duration 1 --benchmark-grace-period 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_GT(run.aggregate["request_count"]["avg"].get<int>(), 50);
  EXPECT_NEAR(run.aggregate["benchmark_duration"]["avg"].get<double>(), 1.0, 0.2);
}

TEST(LoadE2ETest, GoodputCountsRequestsMeetingEverySlo) {
  MockServerProcess server({"--ttft", "20", "--itl", "1"});
  TempDir dir, dir2;
  auto all = profile(server, dir, "--streaming --request-count 8 --osl 4 --goodput time_to_first_token:200");
  ASSERT_EQ(all.result.exit_code, 0) << all.result.err;
  EXPECT_EQ(all.aggregate["good_request_count"]["avg"], 8);
  EXPECT_GT(all.aggregate["goodput"]["avg"].get<double>(), 0);
  auto none = profile(server, dir2, "--streaming --request-count 8 --osl 4 --goodput \"time_to_first_token:5 inter_token_latency:100\"");
  ASSERT_EQ(none.result.exit_code, 0) << none.result.err;
  EXPECT_EQ(none.aggregate["good_request_count"]["avg"], 0);
}

TEST(LoadE2ETest, SigintWritesCompleteExportsMarkedCancelled) {
  MockServerProcess server({"--ttft", "10", "--itl", "10"});
  TempDir dir;
  testing::BackgroundCommand aiperf(testing::aiperf_command(
      testing::profile_args(server, dir) + "--streaming --concurrency 4 --osl 20 --benchmark-duration 60 --benchmark-grace-period 5"));
  // Let some requests finish first (bounded wait on the server's count).
  for (int i = 0; i < 100; ++i) {
    auto stats = testing::mock_json(server, "/mock/stats");
    if (stats["completed"].get<int>() >= 8) break;
    ::usleep(50'000);
  }
  aiperf.signal(SIGINT);
  auto result = aiperf.wait(15'000);
  ASSERT_EQ(result.exit_code, 130) << result.err;
  auto run = read_run(dir, result);
  EXPECT_TRUE(run.aggregate["was_cancelled"].get<bool>());
  EXPECT_GE(run.aggregate["request_count"]["avg"].get<int>(), 8);
  EXPECT_EQ(run.aggregate["error_request_count"]["avg"], 0);  // in-flight ones finished in the grace period
  EXPECT_EQ(run.records.size(), run.aggregate["request_count"]["avg"].get<std::size_t>());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "profile_export.jsonl.tmp"));
}

// Issue 9: SIGHUP killed the run with only a .tmp on disk; one SIGTERM during an 18 s open-loop
// gap waited for the next send. Both stop within the grace period and write complete exports.
TEST(LoadE2ETest, SigtermAndSighupStopWithinTheGracePeriodEvenInALongOpenLoopGap) {
  for (int sig : {SIGTERM, SIGHUP}) {
    MockServerProcess server({"--fast"});
    TempDir dir;
    testing::BackgroundCommand aiperf(testing::aiperf_command(
        testing::profile_args(server, dir) + "--request-rate 0.05 --benchmark-duration 600 --benchmark-grace-period 1"));
    for (int i = 0; i < 100; ++i) {  // the first request goes at once; the next is due in 20 s
      if (testing::mock_json(server, "/mock/stats")["completed"].get<int>() >= 1) break;
      ::usleep(50'000);
    }
    auto start = std::chrono::steady_clock::now();
    aiperf.signal(sig);
    auto result = aiperf.wait(10'000);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(result.exit_code, 130) << "signal " << sig << ": " << result.err;
    EXPECT_LT(took, 3.0) << "signal " << sig;
    auto run = read_run(dir, result);
    EXPECT_TRUE(run.aggregate["was_cancelled"].get<bool>()) << "signal " << sig;
    EXPECT_EQ(run.records.size(), 1u);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "profile_export.jsonl.tmp"));
  }
}

}  // namespace
}  // namespace aiperf
