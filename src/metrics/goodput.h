// Goodput: requests that meet every service-level objective, as AIPerf's
// --goodput "time_to_first_token:50 inter_token_latency:10".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

#include "metrics/request_metrics.h"
#include "metrics/run_metrics.h"

namespace aiperf::metrics {

/// One objective: a per-request metric and its bound in the metric's display unit.
struct Slo {
  MetricId metric;
  double bound;          ///< ms for latencies; tokens/sec/user for per-user throughput.
  bool higher_is_better; ///< True for throughput: the value must be >= bound.
};

/// Parses "tag:value tag:value"; errors name the bad part and list the allowed tags.
Expected<std::vector<Slo>> parse_goodput(std::string_view text);

/// True when the request succeeded and meets every objective (a missing metric fails it).
bool meets_slos(const RequestMetrics& request, const std::vector<Slo>& slos);

}  // namespace aiperf::metrics
