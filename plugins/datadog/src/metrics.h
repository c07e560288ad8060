// The gauges a phase boundary produces, named the Datadog way.
//
// Naming: `<prefix>.<tag>.<stat>` for each AIPerf metric summary (stat: avg,
// min, max, p50, p90, p95, p99, std; values in AIPerf's unit, e.g. ms) plus
// `<prefix>.<tag>.count`; `<prefix>.requests.sent|completed|failed`,
// `<prefix>.phase.duration` (seconds), `<prefix>.phase.running` (1 at start,
// 0 at end) and `<prefix>.phase.cancelled`. The phase is a tag, not a name part.
// Collector summaries (plugin API 1.2) are `<prefix>.server.<name>.<stat>`, the
// name being the series' with its labels (server_metric_name).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <aiperf/sdk/phase_hook.h>

namespace aiperf_datadog {

/// One gauge value.
struct Gauge {
  std::string name;  ///< Full metric name, e.g. "aiperf.time_to_first_token.avg".
  double value = 0;  ///< The value; non-finite values are never produced.
};

/// `text` with every character outside [A-Za-z0-9_.] replaced by '_' (metric name parts).
std::string sanitize_name(std::string_view text);

/// A collector series' name as a Datadog name part: sanitize_name, without runs of '_' or a trailing one
/// ("vllm:num_requests_running{model_name=\"m\"}" -> "vllm_num_requests_running_model_name_m").
std::string server_metric_name(std::string_view name);

/// Gauges sent at phase start: `<prefix>.phase.running` 1.
std::vector<Gauge> phase_start_gauges(std::string_view prefix, const aiperf::PhaseStats& stats);

/// Gauges sent at phase end: request counts, duration, running 0, cancelled, every metric summary,
/// every collector summary.
std::vector<Gauge> phase_complete_gauges(std::string_view prefix, const aiperf::PhaseStats& stats);

}  // namespace aiperf_datadog
