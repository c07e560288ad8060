// Protocol `phase_hook`: code that runs when a benchmark phase starts and ends
// (monitoring, notifications). Built-in: `logging`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
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
