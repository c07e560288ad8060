// Protocol `collector`: gathers what the server side saw during a phase
// (Prometheus /metrics, GPU telemetry). Built-ins: `server_metrics`,
// `gpu_telemetry`.
//
// Lifecycle, per phase: start() at the phase start, then sample() every
// period(), then stop() at the phase end, which returns the result the host
// exports. The host calls all three on a thread of the collector's own, never
// on the request path: a collector may block (a scrape with a timeout) but
// the host stops waiting for one that hangs and reports it. A collector may
// throw; the host reports it and the benchmark goes on.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace aiperf {

/// What a collector is told at the phase start.
struct CollectorStart {
  std::string phase;         ///< "warmup" or "profiling".
  int64_t wall_ns = 0;       ///< Wall-clock (UNIX epoch) phase start, ns.
  int64_t steady_ns = 0;     ///< steady_clock (monotonic) phase start, ns.
  std::string benchmark_url; ///< The --url of the run, e.g. "http://127.0.0.1:8000".
};

/// What the client did in the phase, given to stop().
struct CollectorStop {
  int64_t wall_ns = 0;             ///< Wall-clock phase end, ns.
  int64_t steady_ns = 0;           ///< steady_clock phase end, ns.
  double duration_s = 0;           ///< Phase duration as the client measured it, s.
  uint64_t requests_completed = 0; ///< Successful requests.
  int64_t input_tokens = 0;        ///< Sum of successful requests' input tokens.
  int64_t output_tokens = 0;       ///< Sum of successful requests' output tokens (reasoning included).
};

/// One time series: a value at each sample time.
struct CollectorSeries {
  std::string name;  ///< e.g. "vllm:num_requests_running{model_name=\"m\"}" or "gpu0.power_w".
  std::string unit;  ///< e.g. "requests", "W", "" when unknown.
  std::vector<std::pair<int64_t, double>> points;  ///< (wall-clock ns, value), in time order.
};

/// One summarised quantity: a name, a unit and named statistics.
struct CollectorStat {
  std::string name;     ///< Export name, e.g. "vllm:prompt_tokens_total".
  std::string display;  ///< Friendly console name; empty = not printed in the console table.
  std::string unit;     ///< e.g. "tokens", "s", "W".
  std::string kind;     ///< "counter", "gauge", "histogram" or "derived".
  /// Named values in `unit` (rates in unit/s): e.g. {"delta", 512}, {"rate", 42.1},
  /// {"avg", ...}, {"min", ...}, {"max", ...}, {"p50", ...}, {"p99", ...}.
  std::vector<std::pair<std::string, double>> values;
};

/// What a collector returns at stop(); the host exports it as
/// `<name>.json` (document, stats, warnings), `<name>.csv` (stats) and
/// `<name>_timeseries.jsonl` (series).
struct CollectorResult {
  std::vector<CollectorStat> stats;
  std::vector<CollectorSeries> series;
  nlohmann::json document = nlohmann::json::object();  ///< Anything else to export (e.g. delta histograms).
  std::vector<std::string> warnings;                   ///< Printed once each (e.g. "scrape failed: ...").
};

/// A collector: constructed from its config; one instance serves every phase.
class Collector {
 public:
  virtual ~Collector() = default;
  /// How often the host calls sample(), measured from the previous call's start.
  virtual std::chrono::milliseconds period() const { return std::chrono::seconds(1); }
  /// The phase starts: take a baseline (e.g. counters' values). Bounded in time by the collector.
  virtual void start(const CollectorStart& phase) = 0;
  /// Take one sample; `wall_ns` is the wall-clock time the host called it.
  virtual void sample(int64_t wall_ns) = 0;
  /// The phase ended: take a last sample and return everything for the exports.
  virtual CollectorResult stop(const CollectorStop& phase) = 0;
};

}  // namespace aiperf
