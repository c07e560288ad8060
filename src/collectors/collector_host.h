// Runs collectors around each phase, each on a thread of its own: started at
// the phase start, sampled on its period, stopped at the phase end. A
// collector that throws is reported; one that hangs or is slow is waited for
// only up to a bound, so it never delays requests or the schedule.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aiperf/sdk/collector.h"
#include "aiperf/sdk/phase_hook.h"

namespace aiperf::collectors {

/// One collector's outcome for one phase.
struct CollectorOutcome {
  std::string name;                       ///< The implementation name, e.g. "server_metrics".
  std::string phase;                      ///< "warmup" or "profiling".
  std::optional<CollectorResult> result;  ///< Empty when stop() threw or did not return in time.
  std::vector<std::string> problems;      ///< What went wrong (threw, hung, slow), one line each.
  uint64_t samples = 0;                   ///< sample() calls that returned.
  double slowest_sample_ms = 0;           ///< Longest sample() call.
};

/// Bounds on how long the host waits for a collector.
struct CollectorHostOptions {
  std::chrono::milliseconds start_wait{1000};  ///< For start() (the baseline) before the phase goes on.
  std::chrono::milliseconds stop_wait{5000};   ///< For stop() at the phase end.
};

/// The collectors of a run and their per-phase outcomes.
class CollectorHost {
 public:
  explicit CollectorHost(CollectorHostOptions options = {});
  /// Joins idle collector threads; a hung one is left running (and its collector alive).
  ~CollectorHost();
  CollectorHost(const CollectorHost&) = delete;
  CollectorHost& operator=(const CollectorHost&) = delete;

  /// Adds a collector named `name`; `benchmark_url` is passed to its start().
  void add(std::string name, std::unique_ptr<Collector> collector, std::string benchmark_url);
  /// Number of collectors added.
  std::size_t size() const;

  /// Starts every collector for the phase; waits at most start_wait for each baseline.
  void start_phase(const PhaseStats& stats);
  /// Stops every collector; waits at most stop_wait for each; records the outcomes.
  void stop_phase(const PhaseStats& stats);
  /// Registers start_phase as a phase-start callback (the host must outlive the registrar).
  /// stop_phase is the run's to call when a phase ends, before its exports are written.
  void register_with(PhaseHookRegistrar& registrar);

  /// The friendly-named stats (the console's server-side table) of the latest stopped `phase`,
  /// for the phase-complete hooks; collectors without a result are left out.
  std::vector<ServerMetricSummary> summaries(const std::string& phase) const;

  /// Outcomes of every stopped phase, in order.
  const std::vector<CollectorOutcome>& outcomes() const { return outcomes_; }

 private:
  struct Worker;
  CollectorHostOptions options_;
  std::vector<std::shared_ptr<Worker>> workers_;
  std::vector<CollectorOutcome> outcomes_;
};

/// The client's totals for a phase, from its stats (token sums from the OSL/ISL summaries).
CollectorStop collector_stop_from(const PhaseStats& stats);

}  // namespace aiperf::collectors
