// `--slice-duration S` (AIPerf's): the profiling phase cut into slices of S
// seconds by send time, with the headline metrics of each slice, written as
// profile_export_aiperf_timeslices.json / .csv beside the other exports.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "report/run_data.h"

namespace aiperf::report {

/// {"slice_duration_sec", "slices": [{"index", "start_sec", "end_sec", "request_count", "error_count",
/// "request_throughput", "output_token_throughput", TAG: {"avg", "p50", "p90", "p99"}...}]}; a request
/// belongs to the slice of its send time.
nlohmann::json timeslices(const RunData& run, double slice_seconds);

/// The same as CSV: one row per slice.
std::string timeslices_csv(const nlohmann::json& slices);

/// Reads the run in `dir` and writes both timeslice files into it.
std::optional<Error> write_timeslices(const std::filesystem::path& dir, double slice_seconds);

}  // namespace aiperf::report
