// Built-in endpoints for OpenAI-compatible servers (vLLM, SGLang, TensorRT-LLM,
// llama.cpp server, Ollama's /v1): `chat`, `completions`, `embeddings`.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/endpoint.h"
#include "endpoints/body_template.h"
#include "endpoints/in_place_parsing.h"

namespace aiperf::endpoints {

/// Settings shared by the OpenAI-compatible endpoints, read from the endpoint's config.
struct OpenAiSettings {
  std::string path;                  ///< Route, e.g. "/v1/chat/completions".
  std::string api_key;               ///< Sent as "Authorization: Bearer ..." when set.
  std::vector<std::pair<std::string, std::string>> headers;  ///< Extra headers.
  nlohmann::json extra = nlohmann::json::object();  ///< Merged into every request body.

  /// Reads {path, api_key, headers: {..}, extra: {..}}; `default_path` when path is absent.
  static OpenAiSettings from(const PluginConfig& config, std::string default_path);
};

/// How the API key travels: OpenAI's "Authorization: Bearer KEY", or not at all
/// (the caller adds its own header, e.g. Anthropic's x-api-key).
enum class ApiKeyHeader { kBearer, kNone };

/// json_request's request with an empty body (the caller writes it).
HttpRequestSpec request_without_body(const OpenAiSettings& s, std::string path, const RequestInput& input,
                                     ApiKeyHeader key = ApiKeyHeader::kBearer);
/// The same from the two inputs it reads: whether the response streams, and the request id.
HttpRequestSpec request_without_body(const OpenAiSettings& s, std::string path, bool streaming,
                                     std::string_view request_id, ApiKeyHeader key = ApiKeyHeader::kBearer);

/// A JSON POST to `path` with the settings' headers (Content-Type, Accept for streams,
/// Authorization per `key`, X-Request-Id, extra headers); `body` is sent as given.
HttpRequestSpec json_request(const OpenAiSettings& s, std::string path, const RequestInput& input, nlohmann::json body,
                             ApiKeyHeader key = ApiKeyHeader::kBearer);

/// json_request to the settings' path, with the settings' `extra` fields merged into `body`.
HttpRequestSpec settings_request(const OpenAiSettings& s, const RequestInput& input, nlohmann::json body,
                                 ApiKeyHeader key = ApiKeyHeader::kBearer);

/// Parses one OpenAI streaming chunk (SSE data), "[DONE]", or a whole response body.
/// Handles chat (delta/message), completions (text), reasoning fields, tool-call
/// fragments (as output text), usage with cached prompt tokens, and error objects.
/// The common chunk shape takes a validated fast path (openai_chunk.h), the rest simdjson On-Demand.
ParsedEvent parse_openai_event(std::string_view payload);
/// parse_openai_event's answer written into `out` (every field overwritten; a reused event keeps
/// its strings' buffers).
void parse_openai_event_into(std::string_view payload, ParsedEvent& out);

/// parse_openai_event on the general parser only (the fast path's oracle in tests).
ParsedEvent parse_openai_event_general(std::string_view payload);

/// parse_openai_event(payload).response.
ParsedResponse parse_openai_payload(std::string_view payload);

/// What the three OpenAI endpoints share: settings, headers, extra body fields, parsing.
/// Each subclass only says how its request body looks.
class OpenAiEndpoint : public Endpoint, public InPlaceEventParser, public JsonBodyEndpoint {
 public:
  /// The request, its body from the shape's BodyTemplate (the DOM path when there is none).
  HttpRequestSpec format_request(const RequestInput& input) const final;
  /// The same request with the body built as a JSON DOM and dumped: the reference the
  /// templates are built from and checked against, and the path for text that is not UTF-8.
  HttpRequestSpec format_request_with_dom(const RequestInput& input) const;
  ParsedResponse parse_response(std::string_view payload) const final;
  /// Untyped events as parse_response; `event: error` is a server error; other types carry nothing.
  ParsedEvent parse_event(const StreamEvent& event) const final;
  /// parse_event into a reused event: a stream's usual chunk costs no event of its own.
  void parse_event_into(const StreamEvent& event, ParsedEvent& out) const final;
  bool can_stream() const final { return generates_text(); }

 protected:
  OpenAiEndpoint(const PluginConfig& config, std::string default_path);
  /// The endpoint-specific body fields for `input`.
  virtual nlohmann::json body(const RequestInput& input) const = 0;
  /// Builds the body templates; each subclass's constructor calls it (body() is virtual).
  void prepare_templates();

 private:
  /// An SSE `message` event's data into `out`: what parse_event and parse_event_into answer for one.
  static void parse_stream_chunk_into(std::string_view data, ParsedEvent& out);
  OpenAiSettings settings_;
  /// Per request shape (bit 0: streaming, bit 1: max_tokens set); empty when extra fields
  /// contain a sentinel.
  BodyTemplates templates_;
  bool osl_exact_ = false;  ///< `osl_exact`: min_tokens = max_tokens and ignore_eos (vLLM's extra params).
};

/// POST /v1/chat/completions with `messages`.
class ChatEndpoint final : public OpenAiEndpoint {
 public:
  explicit ChatEndpoint(const PluginConfig& config);

 private:
  nlohmann::json body(const RequestInput& input) const override;
};

/// POST /v1/completions with a `prompt` (the messages' contents joined).
class CompletionsEndpoint final : public OpenAiEndpoint {
 public:
  explicit CompletionsEndpoint(const PluginConfig& config);

 private:
  nlohmann::json body(const RequestInput& input) const override;
};

/// POST /v1/embeddings with `input`; never streams.
class EmbeddingsEndpoint final : public OpenAiEndpoint {
 public:
  explicit EmbeddingsEndpoint(const PluginConfig& config);

 private:
  nlohmann::json body(const RequestInput& input) const override;
  /// Embeddings produce no text: no streaming, no max_tokens, no output-token metrics.
  bool generates_text() const override { return false; }
};

}  // namespace aiperf::endpoints
