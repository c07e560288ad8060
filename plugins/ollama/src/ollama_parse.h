// Parsing Ollama's responses: one NDJSON line of a stream, or a whole
// non-streamed body. Never throws.
#pragma once

#include <string_view>

#include <aiperf/sdk/endpoint.h>

namespace aiperf_plugins::ollama {

/// Which Ollama API a response comes from.
enum class Api {
  kChat,      ///< /api/chat: text in message.content (reasoning in message.thinking).
  kGenerate,  ///< /api/generate: text in response (reasoning in thinking).
};

/// Parses one Ollama JSON object: text, `done`, usage (prompt_eval_count,
/// eval_count) and `{"error": ...}`. Anything malformed yields `error`.
aiperf::ParsedResponse parse_ollama(std::string_view payload, Api api) noexcept;

}  // namespace aiperf_plugins::ollama
