// The per-request record the client engine produces: timestamps of every
// response chunk, what each chunk carried, the server's usage and any error.
// Metrics (request_metrics.h) are computed from it; nothing here computes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aiperf/sdk/endpoint.h"

namespace aiperf::metrics {

/// Token usage reported by the server (the SDK's type: prompt, completion and reasoning tokens, each optional).
using Usage = ::aiperf::Usage;

/// Which clock stamped a response read.
enum class TimestampSource : uint8_t {
  kKernel,  ///< The kernel's receive time of the newest bytes of the read (SO_TIMESTAMPNS), monotonic-converted.
  kUser,    ///< steady_clock read by aiperf when the read returned (includes any client-side delay).
};

/// One response message of a request: an SSE event, an NDJSON line, or a whole non-streamed body.
struct Chunk {
  int64_t timestamp_ns = 0;            ///< Monotonic time the bytes were read from the socket.
  std::string content;                 ///< Content text delta (full text when not streaming).
  std::string reasoning;               ///< Reasoning text delta, if the API separates it.
  std::optional<int64_t> token_count;  ///< Tokens in this chunk when the server reported them per chunk.
  TimestampSource timestamp_source = TimestampSource::kUser;  ///< Which clock stamped timestamp_ns.

  /// True when the chunk carries content or reasoning text (AIPerf's "content response").
  bool has_text() const { return !content.empty() || !reasoning.empty(); }
};

/// Why a request failed.
enum class ErrorKind : uint8_t {
  kConnect,     ///< Could not connect (refused, DNS, TLS handshake).
  kTimeout,     ///< The request exceeded its deadline.
  kHttpStatus,  ///< The server answered with a non-2xx status.
  kIo,          ///< Connection reset or another socket read/write failure mid-request.
  kParse,       ///< The response could not be parsed (malformed SSE/JSON, truncated body).
  kServerErrorEvent,  ///< A 2xx stream carried an error from the server (`data: {"error": ...}`, `event: error`).
  kCancelled,   ///< Cancelled by the client (benchmark stopped, Ctrl-C).
  kOther,       ///< Anything else.
  kTls,         ///< TLS setup or handshake failed (certificate verification, protocol, client certificate); never sent.
};

/// Number of ErrorKind values (for arrays indexed by kind).
inline constexpr std::size_t kErrorKindCount = 9;

/// Every ErrorKind, in declaration order.
inline constexpr std::array<ErrorKind, kErrorKindCount> kAllErrorKinds = {
    ErrorKind::kConnect, ErrorKind::kTimeout,   ErrorKind::kHttpStatus, ErrorKind::kIo,
    ErrorKind::kParse,   ErrorKind::kServerErrorEvent, ErrorKind::kCancelled, ErrorKind::kOther, ErrorKind::kTls};

/// Stable lowercase name of an error kind: "connect", "timeout", "http_status", "io", "parse",
/// "server_error_event", "cancelled", "other", "tls".
constexpr std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConnect: return "connect";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kHttpStatus: return "http_status";
    case ErrorKind::kIo: return "io";
    case ErrorKind::kParse: return "parse";
    case ErrorKind::kServerErrorEvent: return "server_error_event";
    case ErrorKind::kCancelled: return "cancelled";
    case ErrorKind::kOther: return "other";
    case ErrorKind::kTls: return "tls";
  }
  return "other";
}

/// The ErrorKind named `name` (inverse of error_kind_name), or nullopt.
constexpr std::optional<ErrorKind> error_kind_from_name(std::string_view name) {
  for (ErrorKind kind : kAllErrorKinds) {
    if (error_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

/// A request's failure: its kind, the HTTP status when there was one, and a human-readable message.
struct RequestError {
  ErrorKind kind = ErrorKind::kOther;  ///< Classification used for counting.
  std::optional<int> http_status;      ///< HTTP status code, when a response line was received.
  std::string message;                 ///< What went wrong, for logs and the per-request export.
};

/// What the transport saw of one request's connection and reads (filled by the HTTP client).
struct TransportRecord {
  bool new_connection = false;              ///< The request opened its connection (false: a kept-alive one was reused).
  std::optional<int64_t> connect_ns;        ///< TCP connect duration, when the request opened its connection.
  std::optional<int64_t> tls_handshake_ns;  ///< TLS handshake duration, when it opened a TLS connection.
  bool tls = false;                         ///< The connection is TLS.
  bool tls_session_resumed = false;         ///< The handshake resumed an earlier session (abbreviated handshake).
  std::string tls_version;                  ///< "TLSv1.3", "TLSv1.2"… ("" for plain HTTP).
  std::string content_encoding;             ///< The response's Content-Encoding as decoded ("identity", "gzip", "deflate").
  uint64_t reads = 0;                       ///< Socket reads that delivered response bytes.
  uint64_t kernel_stamped_reads = 0;        ///< ... stamped with the kernel receive time.
  uint64_t user_stamped_reads = 0;          ///< ... stamped with the user-space clock (no kernel stamp available).
  int64_t max_read_lateness_ns = 0;         ///< Largest (user time - kernel time) of a read: how late the event loop woke.
  int64_t total_read_lateness_ns = 0;       ///< Sum of that lateness over the kernel-stamped reads.
  uint64_t multi_event_reads = 0;           ///< Reads that delivered more than one content event (they share one stamp).
  bool retried = false;                     ///< Sent again on a new connection after a stale keep-alive one failed.
};

/// Everything measured about one request; every request sent ends in exactly one record.
struct RequestRecord {
  std::string request_id;                  ///< Unique id (also sent as X-Request-ID).
  std::string class_label;                 ///< Request class (mixture component, input file, `class` field); may be empty.
  std::optional<uint64_t> conversation_id; ///< Multi-turn: the conversation (0-based, in start order).
  std::optional<bool> in_ramp;             ///< With a ramp: scheduled before the ramp ended (else unset).
  std::optional<uint32_t> turn_index;      ///< Multi-turn: the turn within it (0 = first).
  int64_t start_ns = 0;                    ///< Monotonic time just before the first request byte was written.
  int64_t end_ns = 0;                      ///< Monotonic time the request finished (last byte read, or failure).
  std::optional<int64_t> scheduled_ns;     ///< Monotonic time the timing strategy scheduled the send for.
  bool streaming = false;                  ///< True when the response was streamed (SSE/NDJSON).
  std::vector<Chunk> responses;            ///< Response chunks in arrival order.
  std::optional<Usage> usage;              ///< Token usage, when the server reported it.
  std::optional<int64_t> input_token_count;  ///< Prompt tokens as counted by the client, when known.
  bool input_token_count_estimated = false;  ///< input_token_count is an estimate (words), not a tokenizer's count.
  std::optional<int64_t> client_output_tokens;     ///< Content tokens of the response, counted by the run's tokenizer.
  std::optional<int64_t> client_reasoning_tokens;  ///< Reasoning tokens of the response, counted by the run's tokenizer.
  /// Client counts win over the server's usage (--use-server-token-count off, AIPerf's default).
  bool prefer_client_token_counts = false;
  std::optional<uint64_t> cached_prompt_tokens;  ///< Prompt tokens the server read from its cache, when reported.
  std::optional<int> http_status;          ///< Status of the response, when one arrived.
  bool implausible_usage = false;          ///< The server's usage held a count that is not plausible (dropped).
  bool generates_text = true;              ///< False for endpoints without text output (embeddings): no output metrics.
  std::optional<RequestError> error;       ///< Set when the request failed.
  TransportRecord transport;               ///< Connection, TLS and receive-clock facts from the HTTP client.
  std::string url;                         ///< The server URL the request went to (--url).
  bool cancel_planned = false;             ///< Chosen for --request-cancellation-rate: cancelled if still running at the delay.
  /// Server-reported timing of this request (Server-Timing `queue`, `prefill`, `decode`; ms), when the
  /// server sent it: a response header, or a stream's final `event: server-timing` (docs/collectors.md).
  std::optional<double> server_queue_ms, server_prefill_ms, server_decode_ms;
  bool server_timing_malformed = false;    ///< The server's timing could not be parsed (ignored, counted).

  /// True when the request did not fail.
  bool ok() const { return !error.has_value(); }
};

}  // namespace aiperf::metrics
