// The run's artifacts in AIPerf's layout, so existing scripts and plots work:
// profile_export_aiperf.json / .csv (aggregates) and profile_export.jsonl
// (one record per request).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include <nlohmann/json.hpp>

#include "metrics/request_metrics.h"
#include "metrics/run_metrics.h"

namespace aiperf::exporting {

/// Failed requests grouped by (HTTP code, error type, message), as AIPerf's error_summary.
/// Messages are stored as valid UTF-8 (invalid bytes replaced), so the JSON always serialises.
class ErrorSummary {
 public:
  /// Counts one failure.
  void add(const metrics::RequestError& error);
  /// [{"error_details": {"code", "type", "message"}, "count"}], most frequent first.
  nlohmann::json to_json() const;

 private:
  std::map<std::tuple<int, std::string, std::string>, int64_t> counts_;
};

/// Facts about the run that are not metrics.
struct RunInfo {
  std::string phase = "profiling";
  bool was_cancelled = false;
  std::string start_time;           ///< ISO 8601 UTC.
  std::string end_time;             ///< ISO 8601 UTC.
  nlohmann::json input_config;      ///< The effective configuration (secrets redacted by the caller).
};

/// profile_export_aiperf.json: each metric tag at top level with {unit, avg, ..., count}
/// (plus "estimated": true when estimated token counts went into it) and http_status_counts.
nlohmann::json aggregate_json(const metrics::RunMetrics& run, const ErrorSummary& errors,
                              const RunInfo& info);
/// The same, from `results` = run.results() already computed.
nlohmann::json aggregate_json(const metrics::RunMetrics& run, const std::vector<metrics::MetricResult>& results,
                              const ErrorSummary& errors, const RunInfo& info);

/// profile_export_aiperf.csv: distribution metrics, a blank line, then single-value metrics;
/// a metric resting on estimated token counts is named "Header (unit, estimated)".
std::string aggregate_csv(const metrics::RunMetrics& run);
/// The same, from results already computed.
std::string aggregate_csv(const metrics::RunMetrics& run, const std::vector<metrics::MetricResult>& results);

/// Per-request metadata of the JSONL export; times are wall-clock epoch ns. The texts are
/// views: the caller keeps them alive while the line is written (no copies per request).
struct RecordMetadata {
  uint64_t session_num = 0;
  std::string_view request_id;
  int64_t request_start_ns = 0;
  int64_t request_end_ns = 0;
  std::string_view benchmark_phase = "profiling";
  bool was_cancelled = false;
  std::string_view url;  ///< The server URL the request went to ("" = not recorded).
  std::string_view class_label = {};  ///< Written as metadata.class when not empty.
  std::optional<uint64_t> conversation_id = {};  ///< Multi-turn: metadata.conversation_id.
  std::optional<uint32_t> turn_index = {};       ///< Multi-turn: metadata.turn_index (0 = first turn).
  std::optional<bool> in_ramp = {};              ///< With a ramp: metadata.in_ramp (sent before the ramp ended).
};

/// One RunMetrics per request class (only requests with a non-empty label).
using ClassMetrics = std::map<std::string, metrics::RunMetrics>;

/// {label: {metric tag: {unit, avg, ...}, "request_count"...}}: every metric broken down by class.
nlohmann::json by_class_json(const ClassMetrics& classes);

/// One line of profile_export.jsonl (with its trailing newline).
std::string record_line(const RecordMetadata& metadata, const metrics::RequestMetrics& metrics);
/// The same line appended to `out` (a buffer reused across requests allocates nothing).
void append_record_line(std::string& out, const RecordMetadata& metadata, const metrics::RequestMetrics& metrics);
/// A bound on a line's bytes beside its texts (6 bytes per text byte) and per-chunk values
/// (33 bytes each): every key, unit and number at its widest (record_line_test checks it).
inline constexpr std::size_t kRecordLineFixedBytes = 4096;

/// ISO 8601 UTC time with microseconds for a wall-clock epoch time in ns.
std::string iso8601(int64_t epoch_ns);

}  // namespace aiperf::exporting
