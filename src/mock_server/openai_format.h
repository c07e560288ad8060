// OpenAI-compatible response bodies and SSE events of the mock server.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aiperf::mock_server {

/// Token counts reported in `usage`.
struct Usage {
  int prompt_tokens = 0;      ///< Input tokens (mock tokenizer).
  int completion_tokens = 0;  ///< Output tokens.
  int reasoning_tokens = 0;   ///< Of which reasoning (reported only when > 0).
  int cached_tokens = 0;      ///< Prompt tokens read from cache (reported only when > 0).
};

/// The fields every chunk and response of one request repeats.
struct OpenAiHeader {
  std::string id;             ///< "chatcmpl-..." or "cmpl-...".
  std::int64_t created = 0;   ///< Unix seconds.
  std::string model;          ///< Echo of the request's model.
};

/// Wraps a JSON payload as one SSE event: "data: {payload}\n\n".
std::string sse_event(std::string_view payload);

/// The event that ends an OpenAI stream.
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

/// A chat.completion.chunk carrying one token in delta.content (or
/// delta.reasoning_content); the first chunk also carries role "assistant";
/// finish_reason is null unless given.
std::string chat_chunk(const OpenAiHeader& h, std::string_view token, bool reasoning, bool first,
                       std::string_view finish_reason = {},
                       std::string_view reasoning_field = "reasoning_content", int choice = 0);

/// A streamed text_completion object carrying one token in choices[0].text.
std::string completion_chunk(const OpenAiHeader& h, std::string_view token,
                             std::string_view finish_reason = {}, int choice = 0);

/// The final usage-only chunk (`choices: []`) sent with stream_options.include_usage.
std::string usage_chunk(const OpenAiHeader& h, bool chat, const Usage& usage);

/// A non-streaming chat.completion body.
std::string chat_response(const OpenAiHeader& h, std::string_view content,
                          std::string_view reasoning_content, std::string_view finish_reason,
                          const Usage& usage, std::string_view reasoning_field = "reasoning_content",
                          int choices = 1);

/// A non-streaming text_completion body.
std::string completion_response(const OpenAiHeader& h, std::string_view text,
                                 std::string_view finish_reason, const Usage& usage, int choices = 1);

/// An embeddings list body: one vector per input.
/// With `base64`, each vector is the base64 of its little-endian float32 bytes (OpenAI's encoding_format).
std::string embeddings_response(std::string_view model, const std::vector<std::vector<float>>& vectors,
                                int prompt_tokens, bool base64 = false);

/// The GET /v1/models body listing the given model ids.
std::string models_response(const std::vector<std::string>& models, std::int64_t created);

/// An OpenAI-style error body: {"error": {"message", "type", "param", "code"}}; param null when empty.
std::string openai_error(std::string_view message, std::string_view type, std::string_view code,
                         std::string_view param = {});

}  // namespace aiperf::mock_server
