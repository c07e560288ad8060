// Per-request server timing, read from a W3C Server-Timing value
// (https://www.w3.org/TR/server-timing/): a response header for non-streamed
// answers, or the data of a final `event: server-timing` SSE event of a stream
// (aiperf's proposal, docs/collectors.md). Metric names aiperf reads: `queue`,
// `prefill` and `decode`, each with `dur` in milliseconds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace aiperf::metrics {

/// One server-timing-metric: its name and parameters (`dur` parsed, `desc` unquoted).
struct ServerTimingMetric {
  std::string name;
  std::optional<double> dur_ms;  ///< First `dur` parameter; a duration in ms.
  std::string desc;              ///< First `desc` parameter.
};

/// Parses a Server-Timing field value: `#server-timing-metric`, each
/// `metric-name *( OWS ";" OWS name OWS "=" OWS (token / quoted-string) )`.
/// A malformed value (bad token, unterminated quote, missing `=`, `dur` not a
/// finite non-negative number) is an Error (kMalformedInput) with its column.
Expected<std::vector<ServerTimingMetric>> parse_server_timing(std::string_view value);

/// The queue, prefill and decode durations a server reported for one request.
struct ServerTiming {
  std::optional<double> queue_ms;
  std::optional<double> prefill_ms;
  std::optional<double> decode_ms;
  /// True when at least one duration is set.
  bool any() const { return queue_ms || prefill_ms || decode_ms; }
};

/// `queue`, `prefill` and `decode` durations of a Server-Timing value (other metrics ignored;
/// the first of a repeated name wins, as the spec says of user agents). Errors as parse_server_timing.
Expected<ServerTiming> server_timing_of(std::string_view value);

/// The SSE event type that carries a stream's Server-Timing value in its data.
inline constexpr std::string_view kServerTimingEvent = "server-timing";

}  // namespace aiperf::metrics
