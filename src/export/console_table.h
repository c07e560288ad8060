// The results table printed at the end of a run, laid out like AIPerf's.
#pragma once

#include <string>
#include <vector>

#include "metrics/run_metrics.h"

namespace aiperf::exporting {

/// A warning line when the smallest distribution among `results` has too few values for
/// the p50/p90/p99 shown to have bounded confidence intervals; "" otherwise.
std::string percentile_warning(const std::vector<metrics::MetricResult>& results);

/// The metrics table: distribution metrics with avg/min/max/p99/p90/p50/std,
/// then single-value metrics, then error counts by kind.
/// `results` are run.results(), computed once by the caller.
std::string console_table(const metrics::RunMetrics& run, const std::vector<metrics::MetricResult>& results,
                          const std::string& title);

}  // namespace aiperf::exporting
