// What one part of a split run (an MPI rank, a worker) tells the lead part at
// the end of a phase: its client's health and every request it finished, as
// bytes (workers hand most of their requests over during the phase, in reports
// of the same form whose health is not read: PhaseExchange::hand_over). The lead replays those requests into its own outcome and exports as
// if it had sent them, so a merged result is exact: every per-request value
// travels, not a summary of it.
//
// A request travels without its response chunks (their text and stamps): the
// metrics computed from them travel instead, inter-chunk latencies included.
// Monotonic times are on the sending part's clock, with that part's phase start
// beside them; the lead shifts them onto its own (shift 0 on one machine).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "engine/phase_runner.h"

namespace aiperf::engine {

/// One part's own view of a phase, for the per-rank client health of the exports.
struct PartHealth {
  int rank = 0;                    ///< The part's index: MPI rank, or worker.
  std::string host;                ///< gethostname().
  uint64_t sent = 0;               ///< Requests this part sent.
  uint64_t succeeded = 0;          ///< ... that succeeded (in the metrics).
  uint64_t failed = 0;             ///< ... that failed (in the error counts).
  uint64_t cancelled = 0;          ///< ... cancelled: cut at the end, or on purpose (--request-cancellation-rate).
  double cpu_seconds = 0;          ///< The part's own user+sys CPU during the phase (a worker: its loop thread's).
  double duration_s = 0;           ///< Its phase start to its last request's end.
  std::optional<double> schedule_lag_p99_ms;  ///< Open-loop lateness of its sends.
  int64_t max_read_lateness_ns = 0;  ///< Its worst event-loop wake-up delay (receive lag).
  std::string stop_reason;         ///< Why it stopped issuing early, or empty.
};

/// A finished request as the lead receives it (`done.record.responses` is empty).
struct PartRequest {
  FinishedRequest done;
  bool cancelled = false;  ///< Cut by the phase's end (not in the metrics), as Benchmark decided on its part.
};

/// A request body as the part sent it (for the lead's inputs.json).
struct PartPayload {
  std::string request_id;
  std::string body;
};

/// Everything one part sends at a phase end.
struct PartReport {
  PartHealth health;
  int64_t phase_start_ns = 0;  ///< The part's phase start on its own monotonic clock.
  std::vector<PartRequest> requests;
  std::vector<PartPayload> payloads;
};

/// Appends one finished request to `out` (the report's items).
void encode_part_request(const FinishedRequest& done, bool cancelled, std::string& out);
/// Appends one sent request body to `out` (the report's items).
void encode_part_payload(std::string_view request_id, std::string_view body, std::string& out);

/// The report's bytes: its health and start, then `items` (encode_part_request and encode_part_payload output).
std::string encode_part_report(const PartHealth& health, int64_t phase_start_ns, std::string_view items);

/// Parses a report; kInvalidArgument when the bytes are not one (truncated, another version).
Expected<PartReport> decode_part_report(std::string_view bytes);

/// Moves every monotonic time of `done` by `shift_ns` (onto the lead's clock).
void shift_clock(FinishedRequest& done, int64_t shift_ns);

}  // namespace aiperf::engine
