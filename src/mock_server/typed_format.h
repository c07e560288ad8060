// The non-OpenAI-chat APIs of the mock server: the typed-event APIs (OpenAI
// Responses /v1/responses, Anthropic Messages /v1/messages: each SSE event
// names its type and repeats it in the data), rerank (Cohere, TEI, NIM) and
// Hugging Face TGI (/generate, /generate_stream).
#pragma once

#include <string>
#include <string_view>

#include "mock_server/openai_format.h"
#include "mock_server/request.h"

namespace aiperf::mock_server {

/// One typed SSE event: "event: TYPE\ndata: PAYLOAD\n\n".
std::string typed_event(std::string_view type, std::string_view payload);

/// Responses: response.created, sent with the head.
std::string responses_prologue(const OpenAiHeader& h);
/// Responses: one token as response.output_text.delta (or response.reasoning_text.delta).
std::string responses_delta(const OpenAiHeader& h, std::string_view token, bool reasoning);
/// Responses: response.completed with the whole response object and its usage.
std::string responses_completed(const OpenAiHeader& h, std::string_view text, std::string_view reasoning,
                                const Usage& usage);
/// Responses: a whole non-streamed response object.
std::string responses_body(const OpenAiHeader& h, std::string_view text, std::string_view reasoning,
                           const Usage& usage);

/// Messages: message_start (with input usage) and content_block_start, sent with the head.
std::string messages_prologue(const OpenAiHeader& h, const Usage& usage, bool thinking);
/// Messages: one token as content_block_delta (text_delta, or thinking_delta in block 0).
std::string messages_delta(std::string_view token, bool thinking, int block);
/// Messages: a thinking block ends and the text block starts.
std::string messages_switch_block();
/// Messages: content_block_stop, message_delta (output usage), message_stop.
std::string messages_epilogue(int block, std::string_view stop_reason, const Usage& usage);
/// Messages: a whole non-streamed message.
std::string messages_body(const OpenAiHeader& h, std::string_view text, std::string_view thinking,
                          std::string_view stop_reason, const Usage& usage);
/// A rerank answer for `passages` passages, in the route's shape; scores fall with the index.
std::string rerank_response(Route route, const OpenAiHeader& h, int passages);
/// TGI stream event of token i ({"index","token":{...},"generated_text","details"}); the last
/// one (`whole` set) carries the whole text and details.generated_tokens.
std::string tgi_event(int i, std::string_view token, std::string_view whole, int generated, bool last);
/// TGI non-streamed body: {"generated_text", "details": {"finish_reason", "generated_tokens"}}.
std::string tgi_body(std::string_view text, int generated);

/// Anthropic's error body: {"type":"error","error":{"type","message"}}.
std::string anthropic_error(std::string_view message, std::string_view type);

}  // namespace aiperf::mock_server
