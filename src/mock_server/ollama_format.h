// Ollama-compatible response bodies and NDJSON lines of the mock server.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aiperf::mock_server {

/// Final statistics of an Ollama answer (durations in nanoseconds).
struct OllamaStats {
  int prompt_eval_count = 0;               ///< Input tokens.
  int eval_count = 0;                      ///< Output tokens.
  std::int64_t total_duration_ns = 0;      ///< Arrival to last token.
  std::int64_t prompt_eval_duration_ns = 0;///< Arrival to first token (the TTFT).
  std::int64_t eval_duration_ns = 0;       ///< First to last token.
  std::string_view done_reason = "length"; ///< "length" or "stop".
  std::string thinking;                    ///< Whole thinking text of a non-streamed `think: true` answer.
};

/// RFC 3339 UTC time with nanoseconds, as Ollama's `created_at`.
std::string rfc3339(std::chrono::system_clock::time_point t);

/// One streamed line (without newline): `response` (generate) or
/// `message.content` (chat) holds the token; `done: false`.
std::string ollama_line(bool chat, std::string_view model, std::string_view created_at,
                        std::string_view token, bool thinking = false);

/// The final object (`done: true`, counts, durations); `text` is the whole
/// answer for non-streaming responses and empty for the last streamed line.
std::string ollama_final(bool chat, std::string_view model, std::string_view created_at,
                         std::string_view text, const OllamaStats& stats);

/// Ollama's error body: {"error": "message"}.
std::string ollama_error(std::string_view message);

/// The GET /api/tags body listing the given model ids as local models.
std::string ollama_tags_response(const std::vector<std::string>& models);

}  // namespace aiperf::mock_server
