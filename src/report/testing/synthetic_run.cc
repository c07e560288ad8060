#include "report/testing/synthetic_run.h"

#include <cmath>
#include <fstream>
#include <random>

#include "export/profile_export.h"
#include "metrics/request_metrics.h"
#include "metrics/run_metrics.h"

namespace aiperf::report::testing {
namespace {

metrics::RequestRecord make_record(int i, const SyntheticRun& run, std::mt19937_64& rng) {
  std::exponential_distribution<double> jitter(4.0);
  metrics::RequestRecord r;
  r.request_id = "r" + std::to_string(i);
  r.start_ns = 1'000'000'000'000 + int64_t(i) * 5'000'000;
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
  info.start_time = exporting::iso8601(1'000'000'000'000);
  info.end_time = exporting::iso8601(1'000'000'000'000 + int64_t(run.requests) * 5'000'000);
  info.input_config = {{"model", "synthetic"}, {"url", "http://127.0.0.1:1"}, {"seed", run.seed}};
  std::ofstream(dir / "profile_export_aiperf.json") << exporting::aggregate_json(totals, errors, info).dump(2);
}

}  // namespace aiperf::report::testing
