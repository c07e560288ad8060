// `aiperf plot` and `aiperf compare` end to end: real runs of the real binary
// against the mock server, then the commands on their artifact directories.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "e2e/e2e_support.h"
#include "report/png.h"
#include "report/testing/browser.h"

namespace aiperf {
namespace {

using testing::MockServerProcess;
using testing::TempDir;

constexpr const char* kLoad = "--streaming --concurrency 4 --request-count 120 --osl 6";

// One run against a mock with `ttft` ms TTFT plus exponential jitter (mean 20 ms), seeded by `seed`.
void run_against(const TempDir& dir, const std::string& name, int ttft, int seed) {
  MockServerProcess server({"--ttft", std::to_string(ttft), "--ttft-jitter", "20", "--itl", "1", "--random-seed",
                            std::to_string(seed)});
  auto run = testing::run_aiperf(fmt::format("profile -m mock -u {} --ui none --artifact-dir '{}' {}", server.base_url(),
                                             (dir.path() / name).string(), kLoad));
  ASSERT_EQ(run.exit_code, 0) << run.err;
}

// The "significant" column of the first row of `tag` and `stat` in compare's table.
std::string significance(const std::string& table, const std::string& tag, const std::string& stat) {
  std::smatch m;
  if (!std::regex_search(table, m, std::regex(tag + " \\(ms\\) +" + stat + " .* (yes|no)\\n"))) return "missing";
  return m[1];
}

TEST(CompareCommandTest, DifferentInjectedTtftIsSignificantAndTheGateFails) {
  TempDir dir;
  run_against(dir, "a", 20, 1);
  run_against(dir, "b", 80, 1);
  const std::string runs = fmt::format("'{}' '{}'", (dir.path() / "a").string(), (dir.path() / "b").string());
  auto plain = testing::run_aiperf("compare " + runs);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  for (auto stat : {"avg", "p50", "p90"}) EXPECT_EQ(significance(plain.out, "time_to_first_token", stat), "yes") << plain.out;
  auto gated = testing::run_aiperf("compare " + runs + " --fail-if time_to_first_token:p99:+10%");
  EXPECT_EQ(gated.exit_code, 1) << gated.out;
  EXPECT_NE(gated.err.find("time_to_first_token p99"), std::string::npos) << gated.err;
  auto loose = testing::run_aiperf("compare " + runs + " --fail-if time_to_first_token:p99:+500%");
  EXPECT_EQ(loose.exit_code, 0) << loose.err;
  EXPECT_EQ(testing::run_aiperf("compare " + runs + " --fail-if time_to_first_token:p99").exit_code, 2);
}

TEST(CompareCommandTest, SameSettingsAreNotSignificant) {
  TempDir dir;
  // Same settings, seed included: the runs differ only by timing noise, well inside the interval.
  run_against(dir, "a", 20, 3);
  run_against(dir, "b", 20, 3);
  auto r = testing::run_aiperf(
      fmt::format("compare '{}' '{}'", (dir.path() / "a").string(), (dir.path() / "b").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (auto stat : {"avg", "p50", "p90"}) EXPECT_EQ(significance(r.out, "time_to_first_token", stat), "no") << r.out;
}

TEST(PlotCommandTest, ProfileWithPlotAndSlicesWritesTheReportAndPlotWritesPngs) {
  TempDir dir;
  MockServerProcess server({"--ttft", "5", "--itl", "1"});
  const auto artifacts = dir.path() / "run";
  auto run = testing::run_aiperf(fmt::format("profile -m mock -u {} --ui none --artifact-dir '{}' {} --plot --slice-duration 0.1",
                                             server.base_url(), artifacts.string(), kLoad));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Report: " + (artifacts / "report.html").string()), std::string::npos) << run.out;
  const std::string html = testing::slurp(artifacts / "report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("id=\"ttft_per_slice\""), std::string::npos);
  // The slices are inside the main export: every request in exactly one, their counts sum to the run's.
  const auto doc = nlohmann::json::parse(testing::slurp(artifacts / "profile_export_aiperf.json"));
  ASSERT_TRUE(doc["timeslices"].is_array()) << doc.dump().substr(0, 500);
  EXPECT_GE(doc["timeslices"].size(), 2u);
  int64_t sliced = 0;
  double previous_end = 0;
  for (const auto& slice : doc["timeslices"]) {
    EXPECT_DOUBLE_EQ(slice["start_sec"].get<double>(), previous_end);
    previous_end = slice["end_sec"].get<double>();
    sliced += slice["request_count"]["avg"].get<int64_t>() + slice["error_request_count"]["avg"].get<int64_t>();
  }
  EXPECT_EQ(sliced, doc["request_count"]["avg"].get<int64_t>() + doc["error_request_count"]["avg"].get<int64_t>());
  EXPECT_EQ(sliced, 120);
  EXPECT_TRUE(doc["timeslices"][0].contains("time_to_first_token"));
  EXPECT_TRUE(doc.contains("profiling_start_ns"));
  EXPECT_NE(testing::slurp(artifacts / "profile_export_aiperf.csv").find("\nTimeslice,Metric,Unit,Stat,Value\n0,"),
            std::string::npos);
  const auto own = nlohmann::json::parse(testing::slurp(artifacts / "profile_export_aiperf_timeslices.json"));
  EXPECT_EQ(own["timeslices"], doc["timeslices"]);  // AIPerf's separate file holds the same slices
  EXPECT_TRUE(std::filesystem::exists(artifacts / "profile_export_aiperf_timeslices.csv"));
  auto plot = testing::run_aiperf(fmt::format("plot '{}' -o '{}' --png '{}'", artifacts.string(),
                                              (dir.path() / "r.html").string(), (dir.path() / "png").string()));
  ASSERT_EQ(plot.exit_code, 0) << plot.err;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "png" / "ttft_cdf.png"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "r.html"));
  auto missing = testing::run_aiperf(fmt::format("plot '{}'", (dir.path() / "nothing").string()));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("profile_export_aiperf.json"), std::string::npos) << missing.err;
}

// The report of a real run with a server side (the mock's /metrics, its two simulated GPUs) in headless Chromium.
TEST(ReportBrowserE2ETest, ServerSideSectionOfARealMockRunRendersWithDataInEveryServerChart) {
  if (!report::testing::have_chromium()) GTEST_SKIP() << "chromium is not installed";
  TempDir dir;
  MockServerProcess server({"--ttft", "20", "--itl", "4", "--gpus", "2"});
  const auto artifacts = dir.path() / "run";
  auto run = testing::run_aiperf(fmt::format(
      "profile -m mock -u {0} --ui none --artifact-dir '{1}' --streaming --concurrency 4 --benchmark-duration 3 "
      "--osl 16 --gpu-telemetry-url {0}/metrics --slice-duration 1 --plot",
      server.base_url(), artifacts.string()));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto html = artifacts / "report.html";
  const auto page = report::testing::section_figures(testing::slurp(html), "Server side");
  ASSERT_GE(page.size(), 3u) << "server gauges, GPU power and GPU utilisation";
  auto r = report::testing::open_in_chromium(html, dir.path());
  ASSERT_EQ(r.shot.exit_code, 0) << r.shot.err;
  EXPECT_TRUE(report::testing::console_clean(r.shot)) << r.shot.err;
  EXPECT_TRUE(report::testing::console_clean(r.dom)) << r.dom.err;
  auto ink = report::png_ink(dir.path() / "shot.png");
  ASSERT_TRUE(ink) << ink.error().describe();
  EXPECT_GT(ink->first, 0.01);   // not a blank page (a white one has none)
  EXPECT_GT(ink->second, 8u);    // palette colours, greys, anti-aliasing
  const auto rendered = report::testing::section_figures(r.dom.out, "Server side");
  EXPECT_EQ(rendered.size(), page.size());
  std::vector<std::string> ids;
  for (const auto& figure : rendered) {
    const auto charts = report::testing::svgs(figure);
    ASSERT_EQ(charts.size(), 1u) << figure.substr(0, 200);
    EXPECT_TRUE(report::testing::has_data_points(charts.front())) << figure.substr(0, 300);
    ids.push_back(figure.substr(0, figure.find('>')));
  }
  for (const char* id : {"server_vllm_num_requests_running", "gpu_power", "gpu_utilization"}) {
    EXPECT_TRUE(std::any_of(ids.begin(), ids.end(), [&](const std::string& s) { return s.find(id) != std::string::npos; }))
        << id;
  }
}

TEST(SweepCommandTest, ThreeConcurrenciesGiveThreeRunsMonotoneThroughputAndAParetoChart) {
  TempDir dir;
  // Requests of ~128 ms, so each run's length is the server's: the c=4 run takes ~0.5 s, and a client
  // stall (a 196 ms one was seen under ASan on a busy machine, with 36 ms requests) does not undo the order.
  MockServerProcess server({"--ttft", "100", "--itl", "4"});
  const auto root = dir.path() / "sweep";
  auto r = testing::run_aiperf(fmt::format("profile -m mock -u {} --ui none --streaming --concurrency 1,2,4 "
                                           "--request-count 16 --osl 8 --artifact-dir '{}' --plot",
                                           server.base_url(), root.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (auto value : {"1", "2", "4"}) {
    EXPECT_TRUE(std::filesystem::exists(root / value / "profile_export_aiperf.json")) << value;
  }
  auto summary = nlohmann::json::parse(testing::slurp(root / "sweep_summary.json"));
  ASSERT_EQ(summary["runs"].size(), 3u) << summary.dump();
  double previous = 0;
  for (const auto& row : summary["runs"]) {
    // A fixed-latency server: throughput grows with concurrency.
    EXPECT_GT(row["output_token_throughput_avg"].get<double>(), previous) << summary.dump();
    previous = row["output_token_throughput_avg"].get<double>();
  }
  EXPECT_TRUE(summary["stopped_early"].is_null());
  EXPECT_NE(testing::slurp(root / "sweep_summary.csv").find("concurrency,request_throughput_avg"), std::string::npos);
  const std::string html = testing::slurp(root / "report.html");
  EXPECT_NE(html.find("id=\"pareto_0_0\""), std::string::npos);
  EXPECT_NE(html.find("Pareto-optimal"), std::string::npos);
}

TEST(SweepCommandTest, StopConditionEndsTheSweepEarly) {
  TempDir dir;
  MockServerProcess server({"--ttft", "20", "--itl", "1"});
  const auto root = dir.path() / "sweep";
  // Every run has TTFT p50 above 10 ms: the sweep stops after its first value.
  auto r = testing::run_aiperf(fmt::format("profile -m mock -u {} --ui none --streaming --concurrency 1:8:x2 "
                                           "--request-count 8 --osl 4 --artifact-dir '{}' "
                                           "--sweep-stop-on 'time_to_first_token:p50>10'",
                                           server.base_url(), root.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(root / "1"));
  EXPECT_FALSE(std::filesystem::exists(root / "2"));
  auto summary = nlohmann::json::parse(testing::slurp(root / "sweep_summary.json"));
  EXPECT_EQ(summary["runs"].size(), 1u);
  EXPECT_EQ(summary["stopped_early"]["concurrency"], 1);
  EXPECT_NE(r.err.find("stopped after concurrency 1"), std::string::npos) << r.err;
  EXPECT_EQ(summary["values"].size(), 4u);  // 1, 2, 4, 8 were planned
}

TEST(MultiRunCommandTest, RepeatedRunsAreSummarisedWithAnIntervalAcrossRuns) {
  TempDir dir;
  MockServerProcess server({"--ttft", "10", "--ttft-jitter", "5", "--itl", "1", "--random-seed", "5"});
  const auto root = dir.path() / "runs";
  auto r = testing::run_aiperf(fmt::format("profile -m mock -u {} --ui none --streaming --concurrency 2 "
                                           "--request-count 12 --osl 4 --artifact-dir '{}' --num-profile-runs 3 "
                                           "--confidence-level 0.9",
                                           server.base_url(), root.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (auto run : {"run_0001", "run_0002", "run_0003"}) {
    EXPECT_TRUE(std::filesystem::exists(root / "profile_runs" / run / "profile_export_aiperf.json")) << run;
  }
  auto aggregate =
      nlohmann::json::parse(testing::slurp(root / "aggregate" / "profile_export_aiperf_aggregate.json"));
  EXPECT_EQ(aggregate["num_runs"], 3);
  EXPECT_EQ(aggregate["confidence_level"], 0.9);
  const auto& ttft = aggregate["metrics"]["time_to_first_token"]["avg"];
  ASSERT_EQ(ttft["values"].size(), 3u);
  EXPECT_LE(ttft["ci_low"].get<double>(), ttft["mean"].get<double>());
  EXPECT_GE(ttft["ci_high"].get<double>(), ttft["mean"].get<double>());
  EXPECT_NE(r.out.find("Across 3 profile runs"), std::string::npos) << r.out;
  auto bad = testing::run_aiperf(fmt::format("profile -m mock -u {} --request-count 1 --confidence-level 1.5",
                                             server.base_url()));
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(SweepCommandTest, MalformedSweepValuesAreBadInput) {
  auto r = testing::run_aiperf("profile -m mock -u http://127.0.0.1:9 --concurrency 4:1:1 --request-count 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--concurrency"), std::string::npos) << r.err;
  auto stop = testing::run_aiperf("profile -m mock -u http://127.0.0.1:9 --concurrency 1,2 --request-count 1 "
                                  "--sweep-stop-on nonsense");
  EXPECT_EQ(stop.exit_code, 2);
  EXPECT_NE(stop.err.find("--sweep-stop-on"), std::string::npos) << stop.err;
}

}  // namespace
}  // namespace aiperf
