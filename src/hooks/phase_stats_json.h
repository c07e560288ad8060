// PhaseStats and MetricSummary as JSON: how the hook host receives a phase's
// stats. Kept out of the SDK headers so plugins do not depend on it.
#pragma once

#include <nlohmann/json.hpp>

#include "aiperf/sdk/phase_hook.h"
#include "base/error.h"

namespace aiperf::hooks {

/// `summary` as a JSON object; non-finite numbers become "NaN", "Infinity", "-Infinity".
nlohmann::json to_json(const MetricSummary& summary);
/// `summary` as a JSON object; its values as [name, number] pairs.
nlohmann::json to_json(const ServerMetricSummary& summary);
/// `stats` as a JSON object, its metrics and server_metrics as arrays.
nlohmann::json to_json(const PhaseStats& stats);

/// The MetricSummary `j` describes; a missing key or a wrong type is kMalformedInput.
Expected<MetricSummary> metric_summary_from_json(const nlohmann::json& j);
/// The ServerMetricSummary `j` describes; a missing key or a wrong type is kMalformedInput.
Expected<ServerMetricSummary> server_metric_summary_from_json(const nlohmann::json& j);
/// The PhaseStats `j` describes (server_metrics optional); a missing key or a wrong type is kMalformedInput.
Expected<PhaseStats> phase_stats_from_json(const nlohmann::json& j);

}  // namespace aiperf::hooks
