#include "report/testing/synthetic_run.h"

#include <cmath>
#include <fstream>
#include <random>

#include "export/collector_export.h"
#include "export/profile_export.h"
#include "metrics/request_metrics.h"
#include "metrics/run_metrics.h"

namespace aiperf::report::testing {
namespace {

metrics::RequestRecord make_record(int i, const SyntheticRun& run, std::mt19937_64& rng) {
  std::exponential_distribution<double> jitter(4.0);
  metrics::RequestRecord r;
  r.request_id = "r" + std::to_string(i);
  r.start_ns = kFirstSendNs + int64_t(i) * 5'000'000;
  r.scheduled_ns = r.start_ns - int64_t(jitter(rng) * 1e6);
  r.streaming = true;
  if (i % 50 == 49) {
    r.end_ns = r.start_ns + 2'000'000;
    r.error = metrics::RequestError{metrics::ErrorKind::kHttpStatus, 500, "Internal Server Error"};
    return r;
  }
  const auto ttft = int64_t(run.ttft_ms * (1 + jitter(rng)) * 1e6);
  const int tokens = 8;
  for (int t = 0; t < tokens; ++t) {
    r.responses.push_back({r.start_ns + ttft + t * int64_t((5 + jitter(rng)) * 1e6), "w ", "", {}});
  }
  r.end_ns = r.responses.back().timestamp_ns;
  r.usage = metrics::Usage{12, static_cast<uint64_t>(tokens), {}};
  return r;
}

}  // namespace

void write_synthetic_run(const std::filesystem::path& dir, const SyntheticRun& run) {
  std::filesystem::create_directories(dir);
  std::mt19937_64 rng(run.seed);
  metrics::RunMetrics totals;
  exporting::ErrorSummary errors;
  std::ofstream jsonl(dir / "profile_export.jsonl");
  for (int i = 0; i < run.requests; ++i) {
    auto record = make_record(i, run, rng);
    auto m = metrics::compute_request_metrics(record);
    totals.add(m);
    if (record.error) errors.add(*record.error);
    exporting::RecordMetadata md{uint64_t(i), record.request_id, record.start_ns, record.end_ns, "profiling", false, ""};
    jsonl << exporting::record_line(md, m);
  }
  exporting::RunInfo info;
  info.start_time = exporting::iso8601(kFirstSendNs);
  info.end_time = exporting::iso8601(kFirstSendNs + int64_t(run.requests) * 5'000'000);
  info.input_config = {{"model", "synthetic"}, {"url", "http://127.0.0.1:1"}, {"seed", run.seed}};
  std::ofstream(dir / "profile_export_aiperf.json") << exporting::aggregate_json(totals, errors, info).dump(2);
}

}  // namespace aiperf::report::testing

namespace aiperf::report::testing {

void write_synthetic_collectors(const std::filesystem::path& dir, int samples, double watts) {
  std::filesystem::create_directories(dir);
  CollectorResult server, gpu;
  CollectorSeries running{"vllm:num_requests_running{model_name=\"m\"}", "requests", {}};
  CollectorSeries kv{"vllm:kv_cache_usage_perc{model_name=\"m\"}", "", {}};
  CollectorSeries tokens{"vllm:generation_tokens_total{model_name=\"m\"}", "tokens", {}};
  std::vector<CollectorSeries> power, util;
  for (int g = 0; g < 2; ++g) {
    const std::string labels = "{gpu=\"" + std::to_string(g) + "\",UUID=\"GPU-" + std::to_string(g) + "\"}";
    power.push_back({"DCGM_FI_DEV_POWER_USAGE" + labels, "W", {}});
    util.push_back({"DCGM_FI_DEV_GPU_UTIL" + labels, "%", {}});
  }
  for (int i = 0; i < samples; ++i) {
    const int64_t t = 1'700'000'000'000'000'000 + int64_t(i) * 1'000'000'000;
    const double n = (i * 7) % 5;  // running requests
    running.points.emplace_back(t, n);
    kv.points.emplace_back(t, n / 8);
    tokens.points.emplace_back(t, 100.0 * i);
    for (int g = 0; g < 2; ++g) {
      power[g].points.emplace_back(t, watts * n + 50 * g);
      util[g].points.emplace_back(t, n > 0 ? 100 : 0);
    }
  }
  server.series = {running, kv, tokens};
  server.stats = {{running.name, "Requests running", "requests", "gauge", {{"avg", 2}}},
                  {kv.name, "", "", "gauge", {{"avg", 0.25}}},
                  {tokens.name, "", "tokens", "counter", {{"delta", 100.0 * (samples - 1)}}},
                  {"vllm:time_to_first_token_seconds{model_name=\"m\"}", "Server TTFT", "s", "histogram",
                   {{"count", 42}, {"avg", 0.05}, {"p50", 0.04}, {"p90", 0.08}, {"p99", 0.1}}}};
  gpu.series = power;
  gpu.series.insert(gpu.series.end(), util.begin(), util.end());
  gpu.document = {{"gpus", {{{"labels", "{gpu=\"0\"}"}, {"energy_joules", 900.0}, {"power", {{"avg", 100.0}}}},
                            {{"labels", "{gpu=\"1\"}"}, {"energy_joules", 1400.0}, {"power", {{"avg", 150.0}}}}}},
                  {"summary", {{"energy_joules", 2300.0}, {"output_tokens", 1000}, {"energy_per_output_token_joules", 2.3},
                               {"output_tokens_per_joule", 1 / 2.3}}}};
  std::vector<collectors::CollectorOutcome> outcomes = {{"server_metrics", "profiling", server, {}, 10, 1},
                                                        {"gpu_telemetry", "profiling", gpu, {}, 10, 1}};
  exporting::write_collector_artifacts(dir, outcomes);
}

}  // namespace aiperf::report::testing
