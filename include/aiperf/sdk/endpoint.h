// Protocol `endpoint`: an inference API. It formats requests and parses
// responses; the engine owns the transport and the timing.
// Built-ins: `chat`, `completions`, `embeddings` (OpenAI-compatible).
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
};

}  // namespace aiperf
