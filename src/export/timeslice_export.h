// `--slice-duration S` (AIPerf's): the profiling phase's requests grouped by the
// time slice of their send time, each slice a RunMetrics of its own. Exported
// inside profile_export_aiperf.json ("timeslices") and profile_export_aiperf.csv
// (a third section), and as AIPerf's profile_export_aiperf_timeslices.json/.csv.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "metrics/request_metrics.h"
#include "metrics/run_metrics.h"

namespace aiperf::exporting {

/// At most this many slices are kept (each is about 10 KB of the JSON export); a request sent
/// after the last is counted as unsliced, so a long run with short slices stays readable.
inline constexpr int64_t kMaxTimeslices = 10'000;

/// Profiling requests by the time slice of their send time since the phase start.
class TimesliceMetrics {
 public:
  /// Slices of `slice_ns` nanoseconds (at least 1).
  explicit TimesliceMetrics(int64_t slice_ns);
  /// Adds a request sent `sent_ns` after the phase start (before it: slice 0; past kMaxTimeslices: unsliced).
  void add(int64_t sent_ns, const metrics::RequestMetrics& request);
  /// Requests sent after the last slice kept.
  int64_t unsliced() const { return unsliced_; }
  /// Slice width in ns.
  int64_t slice_ns() const { return slice_ns_; }
  /// Slices that hold a request, by index.
  const std::map<int64_t, metrics::RunMetrics>& slices() const { return slices_; }

 private:
  int64_t slice_ns_;
  int64_t unsliced_ = 0;
  std::map<int64_t, metrics::RunMetrics> slices_;
};

/// [{"timeslice_index", "start_sec", "end_sec", TAG: {unit, avg, ..., count}, "request_count", ...}]:
/// every slice from 0 to the last that holds a request (an empty one has counts of 0 and no metric).
nlohmann::json timeslices_json(const TimesliceMetrics& slices);

/// AIPerf's tidy CSV: a "Timeslice,Metric,Unit,Stat,Value" header, then a row per slice,
/// metric and statistic (avg, min, max, p50, p90, p95, p99, std; a single-value metric's "avg").
std::string timeslices_csv(const TimesliceMetrics& slices);

}  // namespace aiperf::exporting
