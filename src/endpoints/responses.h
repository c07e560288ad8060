// Built-in endpoints for typed-event APIs: `responses` (OpenAI Responses API,
// POST /v1/responses) and `anthropic_messages` (Anthropic Messages API,
// POST /v1/messages). Their streams name each event (`event: <type>`); only
// text and reasoning deltas carry output, usage arrives in its own events.
#pragma once

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/endpoint.h"
#include "endpoints/openai.h"

namespace aiperf::endpoints {

/// POST /v1/responses with `input` messages; output from response.output_text.delta
/// (reasoning from response.reasoning_text.delta / reasoning_summary_text.delta),
/// usage from response.completed.
class ResponsesEndpoint final : public Endpoint {
 public:
  /// Reads {path, api_key, headers, extra} like the OpenAI endpoints.
  explicit ResponsesEndpoint(const PluginConfig& config);
  /// The request, its body from the shape's BodyTemplate (the DOM path when there is none).
  HttpRequestSpec format_request(const RequestInput& input) const override;
  /// The same request with the body built as a JSON DOM (the templates' reference).
  HttpRequestSpec format_request_with_dom(const RequestInput& input) const;
  ParsedResponse parse_response(std::string_view payload) const override;
  ParsedEvent parse_event(const StreamEvent& event) const override;

 private:
  OpenAiSettings settings_;
  BodyTemplates templates_;
};

/// POST /v1/messages with `x-api-key` and `anthropic-version` headers; output from
/// content_block_delta (text_delta, input_json_delta; thinking_delta is reasoning),
/// input usage from message_start, output usage from message_delta.
class AnthropicMessagesEndpoint final : public Endpoint {
 public:
  /// Reads {path, api_key, anthropic_version, headers, extra}.
  explicit AnthropicMessagesEndpoint(const PluginConfig& config);
  HttpRequestSpec format_request(const RequestInput& input) const override;
  ParsedResponse parse_response(std::string_view payload) const override;
  ParsedEvent parse_event(const StreamEvent& event) const override;

 private:
  OpenAiSettings settings_;
  std::string version_;
};

}  // namespace aiperf::endpoints
