// Collectors end to end: `aiperf profile` against the mock server, whose
// /metrics (vLLM's names) is the ground truth for server_metrics; a fixture
// collector plugin that is slow, hangs or throws shows the schedule does not move.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;
using testing::profile;

// The mock's records of the profiling phase: the last `profiled` ones (a fresh mock; the
// warmup's finished first; request ids restart per phase, so they cannot tell them apart).
std::vector<json> profiling_records(const MockServerProcess& server, std::size_t profiled) {
  auto all = testing::mock_json(server, "/mock/records");
  std::vector<json> out(all.begin(), all.end());
  if (out.size() > profiled) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(profiled));
  return out;
}

json read_json(const TempDir& dir, const std::string& file) {
  auto text = testing::slurp(dir.path() / file);
  return text.empty() ? json() : json::parse(text, nullptr, false);
}

// Client totals over successful records of the profiling phase.
std::pair<int64_t, int64_t> client_tokens(const std::vector<json>& records) {
  int64_t in = 0, out = 0;
  for (const auto& r : records) {
    if (!r["error"].is_null()) continue;
    in += r["metrics"]["input_sequence_length"]["value"].get<int64_t>();
    out += r["metrics"]["output_sequence_length"]["value"].get<int64_t>();
  }
  return {in, out};
}

// Index of the first vLLM TTFT bucket bound >= v.
int bucket_of(double v) {
  const double bounds[] = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5};
  return static_cast<int>(std::lower_bound(std::begin(bounds), std::end(bounds), v) - std::begin(bounds));
}

TEST(CollectorsE2ETest, ServerTokenCountersEqualTheClientTotalsAndHistogramsAgreeWithinABucket) {
  MockServerProcess server({"--ttft", "50", "--itl", "2", "--random-seed", "3"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--streaming --concurrency 4 --request-count 48 --warmup-request-count 6 --isl 24 --osl 12 "
                     "--osl-stddev 4");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  auto sm = read_json(dir, "server_metrics.json");
  ASSERT_TRUE(sm.is_object()) << "server_metrics.json missing";
  EXPECT_EQ(sm["phase"], "profiling");
  EXPECT_EQ(sm["failed_scrapes"], 0);
  const auto& m = sm["metrics"];
  auto [in, out] = client_tokens(run.records);
  ASSERT_GT(out, 0);
  EXPECT_EQ(m["vllm:prompt_tokens_total{model_name=\"mock\"}"]["delta"].get<double>(), static_cast<double>(in));
  EXPECT_EQ(m["vllm:generation_tokens_total{model_name=\"mock\"}"]["delta"].get<double>(), static_cast<double>(out));
  const auto& ttft = m["vllm:time_to_first_token_seconds{model_name=\"mock\"}"];
  EXPECT_EQ(ttft["count"].get<double>(), 48);  // warmup's 6 are not in the phase's delta
  // The server's own record of each request's first token, as the truth for the histogram.
  std::vector<double> truth;
  for (const auto& r : profiling_records(server, run.records.size())) {
    if (r.contains("first_token_ms") && !r["first_token_ms"].is_null()) {
      truth.push_back(r["first_token_ms"].get<double>() / 1000);
    }
  }
  ASSERT_GE(truth.size(), 48u);
  std::sort(truth.begin(), truth.end());
  double median = truth[truth.size() / 2];
  EXPECT_LE(std::abs(bucket_of(ttft["p50"].get<double>()) - bucket_of(median)), 1)
      << "server p50 " << ttft["p50"] << " vs truth " << median;
  // The time series and the CSV are written too; the console shows friendly names.
  EXPECT_NE(testing::slurp(dir.path() / "server_metrics_timeseries.jsonl").find("vllm:num_requests_running"), std::string::npos);
  EXPECT_NE(testing::slurp(dir.path() / "server_metrics.csv").find("vllm:generation_tokens_total"), std::string::npos);
  EXPECT_NE(run.result.out.find("Generation tokens"), std::string::npos) << run.result.out;
}

// Without a warmup the mock's per-model series do not exist at the phase's first scrape
// (no request yet): they count from zero there, so nothing before their first sample is lost.
TEST(CollectorsE2ETest, SeriesBornDuringThePhaseCountFromZeroOnAFreshServer) {
  MockServerProcess server({"--ttft", "20", "--itl", "2"});
  TempDir dir;
  auto run = profile(server, dir, "--streaming --concurrency 2 --request-count 8 --isl 16 --osl 6");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const auto m = read_json(dir, "server_metrics.json")["metrics"];
  auto [in, out] = client_tokens(run.records);
  EXPECT_EQ(m["vllm:prompt_tokens_total{model_name=\"mock\"}"]["delta"].get<double>(), static_cast<double>(in));
  EXPECT_EQ(m["vllm:generation_tokens_total{model_name=\"mock\"}"]["delta"].get<double>(), static_cast<double>(out));
  EXPECT_EQ(m["vllm:time_to_first_token_seconds{model_name=\"mock\"}"]["count"].get<double>(), 8);
}

TEST(CollectorsE2ETest, AFailedScrapeIsAWarningAndTheFilterKeepsOnlyMatchingFamilies) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto bad = profile(server, dir, "--request-count 5 --server-metrics http://127.0.0.1:1/metrics");
  EXPECT_EQ(bad.result.exit_code, 0) << bad.result.err;
  EXPECT_NE(bad.result.err.find("warning: collector 'server_metrics'"), std::string::npos) << bad.result.err;
  TempDir dir2;
  auto filtered = profile(server, dir2, "--request-count 5 --server-metrics-filter '^vllm:generation'");
  ASSERT_EQ(filtered.result.exit_code, 0) << filtered.result.err;
  auto m = read_json(dir2, "server_metrics.json")["metrics"];
  ASSERT_EQ(m.size(), 1u) << m.dump();
  EXPECT_EQ(m.begin().key(), "vllm:generation_tokens_total{model_name=\"mock\"}");
  TempDir dir3;
  auto off = profile(server, dir3, "--request-count 5 --no-server-metrics");
  EXPECT_EQ(off.result.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir3.path() / "server_metrics.json"));
  TempDir conflict_dir;
  auto conflict = profile(server, conflict_dir, "--request-count 5 --no-server-metrics --server-metrics http://x/metrics");
  EXPECT_EQ(conflict.result.exit_code, 2);
  EXPECT_NE(conflict.result.err.find("exclude each other"), std::string::npos) << conflict.result.err;
  TempDir dir4;
  auto regex = profile(server, dir4, "--request-count 5 --server-metrics-filter '('");
  EXPECT_EQ(regex.result.exit_code, 2);
  EXPECT_NE(regex.result.err.find("not a valid regular expression"), std::string::npos) << regex.result.err;
}

TEST(CollectorsE2ETest, GpuEnergyPerTokenMatchesTheMocksKnownPowerCurveWithinOnePercent) {
  // No idle power: all GPUs together draw 300 W per running request, so the phase's
  // energy is 300 W times the requests' running seconds, by the server's own record.
  MockServerProcess server({"--ttft", "40", "--itl", "4", "--gpus", "2", "--gpu-idle-watts", "0",
                            "--gpu-watts-per-request", "300"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--streaming --concurrency 4 --request-count 40 --warmup-request-count 4 --osl 16 "
                     "--no-server-metrics --gpu-telemetry-url " + server.base_url() + "/metrics");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  double running_s = 0;
  for (const auto& r : profiling_records(server, run.records.size())) running_s += r["duration_ms"].get<double>() / 1000;
  auto [in, out] = client_tokens(run.records);
  const double joules = 300 * running_s;
  auto gpu = read_json(dir, "gpu_telemetry.json");
  ASSERT_TRUE(gpu.is_object()) << "gpu_telemetry.json missing";
  const auto& s = gpu["summary"];
  EXPECT_EQ(s["output_tokens"].get<int64_t>(), out);
  EXPECT_NEAR(s["energy_joules"].get<double>(), joules, joules * 0.01) << gpu.dump();
  EXPECT_NEAR(s["energy_per_output_token_joules"].get<double>(), joules / out, joules / out * 0.01);
  EXPECT_NEAR(s["output_tokens_per_joule"].get<double>(), out / joules, out / joules * 0.01);
  EXPECT_EQ(gpu["gpus"].size(), 2u);
  EXPECT_NE(run.result.out.find("Energy per output token"), std::string::npos) << run.result.out;
}

TEST(CollectorsE2ETest, PlotDrawsTheServerSideSectionFromTheMocksCollectorFiles) {
  MockServerProcess server({"--ttft", "40", "--itl", "4", "--gpus", "2"});
  TempDir dir;
  auto run = profile(server, dir, "--streaming --concurrency 4 --request-count 60 --osl 16 --gpu-telemetry-url " +
                                      server.base_url() + "/metrics");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const auto html = dir.path() / "report.html";
  auto plot = testing::run_aiperf("plot '" + dir.path().string() + "' -o '" + html.string() + "'");
  ASSERT_EQ(plot.exit_code, 0) << plot.err;
  const std::string page = testing::slurp(html);
  EXPECT_NE(page.find("<h2>Server side</h2>"), std::string::npos);
  for (const char* id : {"server_vllm_num_requests_running", "gpu_power", "gpu_utilization"}) {
    const auto at = page.find(std::string("<figure id=\"") + id);
    ASSERT_NE(at, std::string::npos) << id;
    const auto svg = page.substr(at, page.find("</figure>", at) - at);
    EXPECT_NE(svg.find("class=\"series\" d=\"M"), std::string::npos) << id << " has no data";
  }
  // The mock serves its DCGM fields on the same /metrics: drawn once, under the GPU charts.
  EXPECT_EQ(page.find("<figure id=\"server_DCGM"), std::string::npos);
  EXPECT_NE(page.find("vllm:time_to_first_token_seconds"), std::string::npos);
  EXPECT_NE(page.find("energy per output token"), std::string::npos);
}

std::string fixture_collector(const json& config) {
  return "--plugin-path '" + testing::fixture_dir("collector").string() + "' --no-server-metrics --collector 'fixture_collector=" +
         config.dump() + "' ";
}

double lag_p99(const json& aggregate) { return aggregate["schedule_lag"]["p99"].get<double>(); }

TEST(CollectorsE2ETest, SlowThrowingOrHangingCollectorsDoNotMoveTheSchedule) {
  MockServerProcess server({"--fast"});
  const std::string load = "--request-rate 100 --arrival-pattern constant --request-count 150 ";
  TempDir base_dir;
  auto base = profile(server, base_dir, load + "--no-server-metrics");
  ASSERT_EQ(base.result.exit_code, 0) << base.result.err;
  for (json config : {json{{"sample_ms", 40}}, json{{"throw", true}}}) {
    TempDir dir;
    auto run = profile(server, dir, load + fixture_collector(config));
    ASSERT_EQ(run.result.exit_code, 0) << config << run.result.err;
    // Generous: the machine is shared; a collector on the request path would add its 40 ms.
    EXPECT_LT(lag_p99(run.aggregate), lag_p99(base.aggregate) + 15) << config << " vs baseline";
    if (config.contains("throw")) {
      EXPECT_NE(run.result.err.find("sample() threw: fixture sample failure"), std::string::npos) << run.result.err;
    } else {
      auto fixture = read_json(dir, "fixture_collector.json");
      EXPECT_GT(fixture["metrics"]["fixture_samples"]["value"].get<double>(), 3) << fixture.dump();
    }
  }
  TempDir hang_dir;
  auto began = std::chrono::steady_clock::now();
  auto hung = profile(server, hang_dir, load + fixture_collector(json{{"hang", true}}));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  ASSERT_EQ(hung.result.exit_code, 0) << hung.result.err;
  EXPECT_LT(lag_p99(hung.aggregate), lag_p99(base.aggregate) + 15);
  EXPECT_NE(hung.result.err.find("did not finish within 5000 ms"), std::string::npos) << hung.result.err;
  EXPECT_LT(seconds, 1.5 + 5 + 10) << "the phase end waited only the bounded stop time";
}

}  // namespace
}  // namespace aiperf
