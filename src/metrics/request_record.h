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

/// One response message of a request: an SSE event, an NDJSON line, or a whole non-streamed body.
struct Chunk {
  int64_t timestamp_ns = 0;            ///< Monotonic time the bytes were read from the socket.
  std::string content;                 ///< Content text delta (full text when not streaming).
  std::string reasoning;               ///< Reasoning text delta, if the API separates it.
  std::optional<int64_t> token_count;  ///< Tokens in this chunk when the server reported them per chunk.

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
};

/// Number of ErrorKind values (for arrays indexed by kind).
inline constexpr std::size_t kErrorKindCount = 8;

/// Every ErrorKind, in declaration order.
inline constexpr std::array<ErrorKind, kErrorKindCount> kAllErrorKinds = {
    ErrorKind::kConnect, ErrorKind::kTimeout,   ErrorKind::kHttpStatus, ErrorKind::kIo,
    ErrorKind::kParse,   ErrorKind::kServerErrorEvent, ErrorKind::kCancelled, ErrorKind::kOther};

/// Stable lowercase name of an error kind: "connect", "timeout", "http_status", "io", "parse",
/// "server_error_event", "cancelled", "other".
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

/// Everything measured about one request; every request sent ends in exactly one record.
struct RequestRecord {
  std::string request_id;                  ///< Unique id (also sent as X-Request-ID).
  int64_t start_ns = 0;                    ///< Monotonic time just before the first request byte was written.
  int64_t end_ns = 0;                      ///< Monotonic time the request finished (last byte read, or failure).
  std::optional<int64_t> scheduled_ns;     ///< Monotonic time the timing strategy scheduled the send for.
  bool streaming = false;                  ///< True when the response was streamed (SSE/NDJSON).
  std::vector<Chunk> responses;            ///< Response chunks in arrival order.
  std::optional<Usage> usage;              ///< Token usage, when the server reported it.
  std::optional<int64_t> input_token_count;  ///< Prompt tokens as counted by the client, when known.
  std::optional<uint64_t> cached_prompt_tokens;  ///< Prompt tokens the server read from its cache, when reported.
  std::optional<int> http_status;          ///< Status of the response, when one arrived.
  bool generates_text = true;              ///< False for endpoints without text output (embeddings): no output metrics.
  std::optional<RequestError> error;       ///< Set when the request failed.

  /// True when the request did not fail.
  bool ok() const { return !error.has_value(); }
};

}  // namespace aiperf::metrics
