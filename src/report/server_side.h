// The report's "Server side" section: what the collectors saw during the run
// (server_metrics and gpu_telemetry artifacts), overlaid per run like the client charts.
#pragma once

#include <string>
#include <vector>

#include "report/report.h"

namespace aiperf::report {

/// The heading the server-side charts and tables appear under.
inline constexpr const char* kServerSideSection = "Server side";

/// Time-series charts of the server's gauges and of per-GPU power and utilisation; empty
/// when no run has collector artifacts.
std::vector<NamedChart> server_side_charts(const std::vector<RunData>& runs);

/// HTML tables: server histograms' percentiles and GPU energy (per output token); "" when
/// no run has them.
std::string server_side_tables(const std::vector<RunData>& runs);

}  // namespace aiperf::report
