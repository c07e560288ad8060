// The collectors' artifacts: per collector `<name>.json`, `<name>.csv` and
// `<name>_timeseries.jsonl` (e.g. server_metrics.json, gpu_telemetry.json),
// and the short server-side console table printed after the client table.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/error.h"
#include "collectors/collector_host.h"

namespace aiperf::exporting {

/// Writes the artifacts of `outcomes` (one phase's) into `dir`, atomically; one Error per file that failed.
std::vector<Error> write_collector_artifacts(const std::filesystem::path& dir,
                                             const std::vector<collectors::CollectorOutcome>& outcomes);

/// The console table: stats that have a display name, one line each; empty when there are none.
std::string collector_console_table(const std::vector<collectors::CollectorOutcome>& outcomes);

}  // namespace aiperf::exporting
