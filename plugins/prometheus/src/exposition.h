// A phase's stats as Prometheus text exposition (what the Pushgateway accepts).
//
// Naming: durations are converted to seconds and named `_seconds` (Prometheus
// base units); counts and rates keep AIPerf's tag with the unit in HELP.
// Summary statistics are one gauge family per metric with a `stat` label.
// The phase is not a label here: it is part of the Pushgateway grouping key,
// which the Pushgateway adds to every series (see pushgateway.h).
#pragma once

#include <string>
#include <string_view>

#include <aiperf/sdk/phase_hook.h>

namespace aiperf_prometheus {

/// How one AIPerf metric is named and scaled in Prometheus.
struct PrometheusName {
  std::string name;  ///< e.g. "aiperf_time_to_first_token_seconds".
  double scale = 1;  ///< Multiplier from AIPerf's unit to the exported unit.
  std::string unit;  ///< Exported unit, for HELP: "seconds", or AIPerf's unit as is.
};

/// Maps an AIPerf metric tag and unit ("ms", "tokens/sec", ...) to its Prometheus name and scale.
PrometheusName prometheus_name(std::string_view tag, std::string_view unit);

/// Exposition pushed at phase start: aiperf_phase_running 1, the start time, cancelled 0.
std::string phase_start_exposition(const aiperf::PhaseStats& stats);

/// Exposition pushed at phase end: request counts, duration, timestamps, every metric summary, and the
/// collectors' summaries as `aiperf_server_metric{collector, metric, stat, unit}`.
std::string phase_complete_exposition(const aiperf::PhaseStats& stats);

}  // namespace aiperf_prometheus
