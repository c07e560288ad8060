// One run's artifacts read back for the report and for `aiperf compare`:
// profile_export_aiperf.json (aggregates, config) and profile_export.jsonl
// (one record per request).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace aiperf::report {

/// What the report needs of one request record.
struct RequestPoint {
  double start_s = 0;  ///< Send time, seconds after the profiling start (RunData::origin_ns).
  double end_s = 0;    ///< End time, seconds after the profiling start.
  bool ok = true;
  std::string error_type;                      ///< When !ok.
  std::map<std::string, double> values;        ///< Scalar per-request metrics by tag (ms, tokens, ...).
  std::vector<double> inter_chunk_latency_ms;  ///< Gaps between chunks.
};

/// One collector time series, times in seconds after the profiling start (RunData::origin_ns).
struct TimeSeries {
  std::string unit;
  std::vector<std::pair<double, double>> points;
};

/// One collector's artifacts (NAME.json, NAME_timeseries.jsonl); `document` is null when absent.
struct CollectorData {
  nlohmann::json document;
  std::map<std::string, TimeSeries> series;  ///< By series name, labels included.
  bool present() const { return !document.is_null() || !series.empty(); }
};

/// One artifact directory.
struct RunData {
  std::string name;            ///< Legend label: the directory's name.
  std::filesystem::path dir;
  nlohmann::json aggregate;    ///< profile_export_aiperf.json.
  /// Time zero of every time axis, epoch ns on the JSONL's clock: the export's profiling_start_ns.
  /// Unset for older exports: request times then count from the first send, collector series
  /// from their first sample (their clocks were not aligned).
  std::optional<int64_t> origin_ns;
  std::vector<RequestPoint> requests;  ///< Profiling-phase records, in file order.
  nlohmann::json timeslices;           ///< The export's "timeslices" array (--slice-duration), or null.
  CollectorData server_metrics;        ///< server_metrics.json and its time series, when present.
  CollectorData gpu_telemetry;         ///< gpu_telemetry.json and its time series, when present.
  /// Every finite value of a per-request metric tag among successful requests, in file order.
  std::vector<double> values(const std::string& tag) const;
};

/// Reads `dir`; an Error naming the file when the JSON export is missing or malformed
/// (a missing JSONL is allowed: aggregates only).
Expected<RunData> load_run(const std::filesystem::path& dir);

/// Reads `dir`/NAME.json and `dir`/NAME_timeseries.jsonl, times in seconds after `origin_ns`
/// (without one, after the first sample); absent files give empty data, a malformed one an
/// Error naming it (with its line).
Expected<CollectorData> load_collector(const std::filesystem::path& dir, const std::string& name,
                                       std::optional<int64_t> origin_ns = std::nullopt);

/// The unit of per-request metric `tag` as the JSONL gives it ("ms", "tokens", ...); "" if unknown.
std::string unit_of(const RunData& run, const std::string& tag);

}  // namespace aiperf::report
