// The results table printed at the end of a run, laid out like AIPerf's.
#pragma once

#include <string>
#include <vector>

#include "metrics/run_metrics.h"

namespace aiperf::exporting {

/// The metrics table: distribution metrics with avg/min/max/p99/p90/p50/std,
/// then single-value metrics, then error counts by kind.
/// `results` are run.results(), computed once by the caller.
std::string console_table(const metrics::RunMetrics& run, const std::vector<metrics::MetricResult>& results,
                          const std::string& title);

}  // namespace aiperf::exporting
