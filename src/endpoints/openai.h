// Built-in endpoints for OpenAI-compatible servers (vLLM, SGLang, TensorRT-LLM,
// llama.cpp server, Ollama's /v1): `chat`, `completions`, `embeddings`.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/endpoint.h"

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
ParsedEvent parse_openai_event(std::string_view payload);

/// parse_openai_event(payload).response.
ParsedResponse parse_openai_payload(std::string_view payload);

/// What the three OpenAI endpoints share: settings, headers, extra body fields, parsing.
/// Each subclass only says how its request body looks.
class OpenAiEndpoint : public Endpoint {
 public:
  HttpRequestSpec format_request(const RequestInput& input) const final;
  ParsedResponse parse_response(std::string_view payload) const final;
  /// Untyped events as parse_response; `event: error` is a server error; other types carry nothing.
  ParsedEvent parse_event(const StreamEvent& event) const final;
  bool can_stream() const final { return generates_text(); }

 protected:
  OpenAiEndpoint(const PluginConfig& config, std::string default_path);
  /// The endpoint-specific body fields for `input`.
  virtual nlohmann::json body(const RequestInput& input) const = 0;
 private:
  OpenAiSettings settings_;
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
