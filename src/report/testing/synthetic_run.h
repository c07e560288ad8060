// Test support: an artifact directory written by the real exporters from
// generated requests, so report and compare tests need no server.
#pragma once

#include <cstdint>
#include <filesystem>

namespace aiperf::report::testing {

/// Epoch ns of the first send of a synthetic run; requests follow 5 ms apart.
inline constexpr int64_t kFirstSendNs = 1'000'000'000'000;

/// What to generate.
struct SyntheticRun {
  int requests = 100;     ///< Records in profile_export.jsonl (every 50th fails with HTTP 500).
  double ttft_ms = 40;    ///< Typical TTFT; values are ttft_ms * (1 + Exp(0.25)).
  uint64_t seed = 1;      ///< Same seed, same run.
};

/// Writes profile_export_aiperf.json and profile_export.jsonl of `run` into `dir` (created).
void write_synthetic_run(const std::filesystem::path& dir, const SyntheticRun& run);

/// Writes server_metrics.* and gpu_telemetry.* into `dir` with the real collector exporter:
/// `samples` scrapes 1 s apart of a running-requests gauge, a KV-cache gauge, a token counter,
/// a TTFT histogram, and two GPUs' power and utilisation; power is `watts` per running request.
void write_synthetic_collectors(const std::filesystem::path& dir, int samples = 10, double watts = 100);

}  // namespace aiperf::report::testing
