// Protocol `endpoint`: an inference API. It formats requests and parses
// responses; the engine owns the transport and the timing.
// Built-ins: `chat`, `completions`, `embeddings` (OpenAI-compatible).
//
// API 1.1 appended `can_stream()`, `generates_text()` and `parse_event()` to
// the end of the interface and added StreamEvent/ParsedEvent; nothing of 1.0
// changed layout. The host calls the 1.1 members only on endpoints built with
// minor >= 1; a 1.0 plugin is wrapped by the host (endpoints/legacy_endpoint.h)
// and behaves as before: only untyped ("message") events reach parse_response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aiperf {

/// One chat message of a request.
struct Message {
  std::string role;     ///< "system", "user" or "assistant".
  std::string content;
};

/// What the engine asks an endpoint to send.
struct RequestInput {
  std::string model;
  std::vector<Message> messages;           ///< Chat turns; single-turn prompts use one user message.
  std::optional<uint32_t> max_tokens;      ///< Requested output length.
  bool streaming = false;
  std::string request_id;                  ///< Unique per request.
};

/// An HTTP request in the endpoint's format; the engine adds Host and Content-Length.
struct HttpRequestSpec {
  std::string method = "POST";
  std::string path;                                          ///< e.g. "/v1/chat/completions".
  std::vector<std::pair<std::string, std::string>> headers;  ///< Extra headers.
  std::string body;
};

/// How a streamed response is framed on the wire.
enum class StreamFraming {
  kServerSentEvents,  ///< text/event-stream (OpenAI).
  kNdjson,            ///< newline-delimited JSON (Ollama).
};

/// Usage counts above this are implausible (a server's 2^64 - 1 or -1 read as unsigned):
/// aiperf treats them as absent, uses its own count, and counts the response as implausible_usage.
inline constexpr uint64_t kMaxPlausibleTokenCount = (uint64_t{1} << 31) - 1;
/// What an endpoint stores for a usage field that is present but not a count (negative,
/// fractional, a string): implausible, so treated as absent and counted, not a failed request.
inline constexpr uint64_t kImplausibleTokenCount = UINT64_MAX;

/// Token usage as reported by the server.
struct Usage {
  std::optional<uint64_t> prompt_tokens;
  std::optional<uint64_t> completion_tokens;
  std::optional<uint64_t> reasoning_tokens;
};

/// What one response message (an SSE event's data, an NDJSON line, or a whole body) carried.
struct ParsedResponse {
  std::string content;            ///< Text delta (or full text for non-streaming).
  std::string reasoning_content;  ///< Reasoning delta, if the API has one.
  std::optional<Usage> usage;
  bool done = false;              ///< The stream's end marker (e.g. "[DONE]").
  std::optional<std::string> error;  ///< Malformed message or an error object from the server.
};

/// One streamed message as it arrived (API 1.1): an SSE event, or an NDJSON line.
struct StreamEvent {
  std::string_view type;  ///< SSE `event:` field, "message" when absent; "" for NDJSON lines.
  std::string_view data;  ///< SSE data (lines joined by '\n') or the NDJSON line.
};

/// What one streamed event or whole body carried (API 1.1): a ParsedResponse
/// plus what 1.0 could not say. An event carries output when its content or
/// reasoning text is not empty; the engine times exactly those events.
struct ParsedEvent {
  ParsedResponse response;               ///< Text, usage, end marker, error.
  std::optional<uint64_t> cached_prompt_tokens;  ///< usage prompt_tokens_details.cached_tokens.
  bool server_error = false;             ///< `response.error` is an error the server sent in a 2xx response.
};

/// Formats requests and parses responses for one API.
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  /// The HTTP request for `input`.
  virtual HttpRequestSpec format_request(const RequestInput& input) const = 0;
  /// Framing of streamed responses.
  virtual StreamFraming stream_framing() const { return StreamFraming::kServerSentEvents; }
  /// Parses one streamed message payload or a complete non-streamed body.
  virtual ParsedResponse parse_response(std::string_view payload) const = 0;

  // ---- API 1.1: appended, so a 1.0 plugin's vtable is a prefix of this one ----

  /// False for APIs that cannot stream (embeddings): `--streaming` with it is refused.
  virtual bool can_stream() const { return true; }
  /// False for APIs that produce no text (embeddings, rankings): no output-token metrics.
  virtual bool generates_text() const { return true; }
  /// Parses one streamed event, or (type "") a complete non-streamed body. The default
  /// passes untyped and "message" events to parse_response and ignores other types;
  /// typed-event APIs (Responses, Anthropic Messages) override it.
  virtual ParsedEvent parse_event(const StreamEvent& event) const {
    if (!event.type.empty() && event.type != "message") return {};
    return ParsedEvent{parse_response(event.data), std::nullopt, false};
  }
};

}  // namespace aiperf
