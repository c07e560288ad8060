// endpoint:ollama — Ollama's native API. Requests go to /api/chat (default)
// or /api/generate; streams are NDJSON (one JSON object per line).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <aiperf/sdk/config.h>
#include <aiperf/sdk/endpoint.h>

#include "ollama_parse.h"

namespace aiperf_plugins::ollama {

/// Formats Ollama requests and parses Ollama responses.
class OllamaEndpoint final : public aiperf::Endpoint {
 public:
  /// Reads `api`, `path`, `options`, `headers`, `api_key`, `extra`; throws aiperf::ConfigError.
  explicit OllamaEndpoint(const aiperf::PluginConfig& config);

  /// POST path {"model", "messages"|"prompt"[, "system"], "stream", "options"} plus `extra`.
  aiperf::HttpRequestSpec format_request(const aiperf::RequestInput& input) const override;
  /// Always NDJSON.
  aiperf::StreamFraming stream_framing() const override { return aiperf::StreamFraming::kNdjson; }
  /// One NDJSON line or a whole body; never throws.
  aiperf::ParsedResponse parse_response(std::string_view payload) const override;

  /// The configured API.
  Api api() const { return api_; }
  /// The request path.
  const std::string& path() const { return path_; }

 private:
  Api api_ = Api::kChat;
  std::string path_;
  nlohmann::json options_;
  nlohmann::json extra_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace aiperf_plugins::ollama
