// The summary exports of a run — profile_export_aiperf.json and .csv — written
// in one place. Every file is attempted even when another fails; each failure
// is one Error. (profile_export.jsonl is written per request by run/RunSink.)
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "export/conversation_export.h"
#include "export/profile_export.h"
#include "export/timeslice_export.h"
#include "metrics/transport_summary.h"

namespace aiperf::exporting {

/// One phase's results as the exports need them.
struct PhaseArtifacts {
  const metrics::RunMetrics* metrics = nullptr;
  const std::vector<metrics::MetricResult>* results = nullptr;  ///< metrics->results(), computed once.
  uint64_t cancelled = 0;             ///< Requests cancelled at the phase end.
  std::string strategy_summary;       ///< TimingStrategy::summary(), may be empty.
  uint64_t planned_cancellations = 0;  ///< Requests cancelled by --request-cancellation-rate.
  const metrics::TransportSummary* transport = nullptr;  ///< Null: no "transport" section.
  const std::map<std::string, metrics::RunMetrics>* by_url = nullptr;  ///< Null or empty: no "per_url" section.
  nlohmann::json ranks;    ///< An MPI run's per-rank client health ("ranks": array); null for one process.
  nlohmann::json workers;  ///< A --workers run's per-worker client health ("workers": array); null for one loop.
};

/// The "transport" section of a phase: connections, retries, encodings and the receive-lag signal.
nlohmann::json transport_json(const metrics::TransportSummary& t);

/// Everything the summary exports hold.
struct ArtifactSet {
  std::filesystem::path dir;
  PhaseArtifacts profiling;
  std::optional<PhaseArtifacts> warmup;
  const ErrorSummary* errors = nullptr;      ///< Failed profiling requests.
  RunInfo info;
  std::optional<uint64_t> good_requests;     ///< Set when --goodput was given.
  uint64_t implausible_usage = 0;            ///< Profiling responses whose usage held an implausible count.
  uint64_t malformed_server_timing = 0;      ///< Profiling responses whose Server-Timing was malformed (ignored).
  nlohmann::json plugins_loaded = nlohmann::json::array();
  const ClassMetrics* by_class = nullptr;    ///< Profiling metrics per request class, if any request had one.
  const TimesliceMetrics* timeslices = nullptr;  ///< With --slice-duration: "timeslices", and the timeslice files.
  /// The profiling phase start on the JSONL's clock (epoch ns): the origin of the report's time axes.
  std::optional<int64_t> profiling_start_ns;
  const ConversationMetrics* conversations = nullptr;  ///< Multi-turn profiling conversations (null or empty: none).
};

/// profile_export_aiperf.json as a document.
nlohmann::json summary_document(const ArtifactSet& set);

/// Writes the JSON and CSV summaries (and with timeslices, profile_export_aiperf_timeslices.json/.csv)
/// atomically; the errors of those that failed.
std::vector<Error> write_artifacts(const ArtifactSet& set);

}  // namespace aiperf::exporting
