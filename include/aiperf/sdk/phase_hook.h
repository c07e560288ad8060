// Protocol `phase_hook`: code that runs when a benchmark phase starts and ends
// (monitoring, notifications). Built-in: `logging`.
//
// API 1.2 appended PhaseStats::server_metrics (collector summaries at phase
// end); the host fills it before the phase-complete hooks run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace aiperf {

/// Summary statistics of one metric over a phase, in the metric's unit.
struct MetricSummary {
  std::string tag;   ///< AIPerf metric tag, e.g. "time_to_first_token".
  std::string unit;  ///< e.g. "ms", "tokens/sec".
  uint64_t count = 0;
  double avg = 0, min = 0, max = 0, std = 0;
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0;
};

/// One server-side summary of the phase (plugin API 1.2): what a collector
/// (server_metrics, gpu_telemetry, a plugin's) measured, as its console table shows it.
struct ServerMetricSummary {
  std::string collector;  ///< The collector, e.g. "server_metrics", "gpu_telemetry".
  std::string name;       ///< Export name with labels, e.g. "vllm:num_requests_running{model_name=\"m\"}".
  std::string display;    ///< Friendly name, e.g. "Requests running".
  std::string unit;       ///< e.g. "requests", "s", "W", "J"; "" when unknown.
  std::string kind;       ///< "counter", "gauge", "histogram" or "derived".
  /// Named statistics in `unit` (rates in unit/s): e.g. {"delta", 512}, {"rate", 42.1}, {"p99", 0.08}.
  std::vector<std::pair<std::string, double>> values;
};

/// A phase and what happened in it so far. At phase start only the identity and start time are set.
struct PhaseStats {
  std::string phase;            ///< "warmup" or "profiling".
  int64_t start_ns = 0;         ///< Wall-clock (UNIX epoch) start of the phase, ns.
  int64_t end_ns = 0;           ///< Wall-clock end, ns; 0 while the phase runs.
  double duration_sec = 0;      ///< end - start in seconds; 0 while the phase runs.
  uint64_t requests_sent = 0;
  uint64_t requests_completed = 0;  ///< Finished without error.
  uint64_t requests_failed = 0;
  bool was_cancelled = false;   ///< The user interrupted the phase.
  std::vector<MetricSummary> metrics;  ///< Empty at phase start.
  // ---- API 1.2: appended, so a 1.1 hook reads the same prefix ----
  /// Collector summaries at phase end (the metrics with a friendly name); empty at phase start,
  /// without collectors, and for a collector that failed or hung.
  std::vector<ServerMetricSummary> server_metrics;
};

/// Callback run at a phase boundary. May throw: the host reports it and runs the others.
using PhaseCallback = std::function<void(const PhaseStats&)>;

/// Where a hook registers its callbacks (the host's PhaseHookRegistry implements it).
class PhaseHookRegistrar {
 public:
  /// Runs `callback` at the start of every phase; `owner` names it in reports.
  virtual void register_phase_start(std::string owner, PhaseCallback callback) = 0;
  /// Runs `callback` at the end of every phase; `owner` names it in reports.
  virtual void register_phase_complete(std::string owner, PhaseCallback callback) = 0;

 protected:
  ~PhaseHookRegistrar() = default;
};

/// A phase hook: constructed from its config, then asked to register its callbacks.
class PhaseHook {
 public:
  virtual ~PhaseHook() = default;
  /// Registers this hook's callbacks; the hook outlives the registrar's use of them.
  virtual void register_with(PhaseHookRegistrar& registrar) = 0;
};

}  // namespace aiperf
