#include "ollama_endpoint.h"

namespace aiperf_plugins::ollama {
namespace {

using nlohmann::json;

json object_or_empty(const aiperf::PluginConfig& config, const char* key) {
  if (!config.has(key) || config.json().at(key).is_null()) return json::object();
  const json& value = config.json().at(key);
  if (!value.is_object()) {
    throw aiperf::ConfigError(std::string("key '") + key + "' must be a mapping, got " + value.dump());
  }
  return value;
}

}  // namespace

OllamaEndpoint::OllamaEndpoint(const aiperf::PluginConfig& config) {
  config.allow_only({"api", "path", "options", "headers", "api_key", "extra"});
  auto api = config.get<std::string>("api", "chat");
  if (api == "chat") {
    api_ = Api::kChat;
  } else if (api == "generate") {
    api_ = Api::kGenerate;
  } else {
    throw aiperf::ConfigError("key 'api' must be 'chat' or 'generate', got '" + api + "'");
  }
  path_ = config.get<std::string>("path", api_ == Api::kChat ? "/api/chat" : "/api/generate");
  if (path_.empty() || path_.front() != '/') {
    throw aiperf::ConfigError("key 'path' must start with '/', got '" + path_ + "'");
  }
  options_ = object_or_empty(config, "options");
  extra_ = object_or_empty(config, "extra");
  const json headers = object_or_empty(config, "headers");  // a named object: items() refers to it
  for (const auto& [name, value] : headers.items()) {
    if (!value.is_string()) {
      throw aiperf::ConfigError("header '" + name + "' must be a string, got " + value.dump());
    }
    headers_.emplace_back(name, value.get<std::string>());
  }
  auto api_key = config.get<std::string>("api_key", "");
  if (!api_key.empty()) headers_.emplace(headers_.begin(), "Authorization", "Bearer " + api_key);
}

aiperf::HttpRequestSpec OllamaEndpoint::format_request(const aiperf::RequestInput& input) const {
  json body = {{"model", input.model}};
  if (api_ == Api::kChat) {
    json messages = json::array();
    for (const auto& m : input.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
    body["messages"] = std::move(messages);
  } else {
    // /api/generate takes one prompt; system turns go to its "system" field.
    std::string prompt, system;
    for (const auto& m : input.messages) {
      std::string& target = m.role == "system" ? system : prompt;
      if (!target.empty()) target += "\n";
      target += m.content;
    }
    body["prompt"] = std::move(prompt);
    if (!system.empty()) body["system"] = std::move(system);
  }
  body["stream"] = input.streaming;  // explicit: Ollama streams by default
  json options = options_;
  if (input.max_tokens) options["num_predict"] = *input.max_tokens;
  if (!options.empty()) body["options"] = std::move(options);
  for (const auto& [key, value] : extra_.items()) body[key] = value;

  aiperf::HttpRequestSpec spec;
  spec.path = path_;
  spec.headers.emplace_back("Content-Type", "application/json");
  if (input.streaming) spec.headers.emplace_back("Accept", "application/x-ndjson");
  if (!input.request_id.empty()) spec.headers.emplace_back("X-Request-Id", input.request_id);
  spec.headers.insert(spec.headers.end(), headers_.begin(), headers_.end());
  spec.body = body.dump(-1, ' ', false, json::error_handler_t::replace);  // bad UTF-8 never throws
  return spec;
}

aiperf::ParsedResponse OllamaEndpoint::parse_response(std::string_view payload) const {
  return parse_ollama(payload, api_);
}

}  // namespace aiperf_plugins::ollama
