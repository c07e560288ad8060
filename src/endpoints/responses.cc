#include "endpoints/responses.h"

#include <nlohmann/json.hpp>

#include "endpoints/usage.h"

namespace aiperf::endpoints {
namespace {

using nlohmann::json;

// A usage count at `path` under `j` (see usage_count).
std::optional<uint64_t> count_at(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) return std::nullopt;
    auto it = at->find(key);
    if (it == at->end()) return std::nullopt;
    at = &*it;
  }
  return usage_count(*at);
}

std::string text_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ParsedEvent malformed(std::string_view data) {
  ParsedEvent out;
  out.response.error = "malformed response: " + std::string(data.substr(0, 120));
  return out;
}

ParsedEvent server_error(const json& j) {
  ParsedEvent out;
  std::string message;
  if (auto e = j.find("error"); e != j.end()) {
    message = e->is_object() ? text_at(*e, "message") : e->is_string() ? e->get<std::string>() : "";
  }
  if (message.empty()) message = text_at(j, "message");
  out.response.error = "server error: " + (message.empty() ? std::string("(no message)") : message);
  out.server_error = true;
  return out;
}

json messages_json(const RequestInput& input, bool skip_system) {
  json messages = json::array();
  for (const auto& m : input.messages) {
    if (skip_system && m.role == "system") continue;
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  return messages;
}

// The Responses usage object ({input_tokens, output_tokens, *_details}).
void read_responses_usage(const json& usage, ParsedEvent& out) {
  if (!usage.is_object()) return;
  Usage u;
  u.prompt_tokens = count_at(usage, {"input_tokens"});
  u.completion_tokens = count_at(usage, {"output_tokens"});
  u.reasoning_tokens = count_at(usage, {"output_tokens_details", "reasoning_tokens"});
  out.response.usage = u;
  out.cached_prompt_tokens = count_at(usage, {"input_tokens_details", "cached_tokens"});
}

// A whole (non-streamed) Responses object: output items of type message and reasoning.
ParsedEvent responses_body(const json& j) {
  ParsedEvent out;
  if (auto e = j.find("error"); e != j.end() && !e->is_null()) return server_error(j);
  if (auto items = j.find("output"); items != j.end() && items->is_array()) {
    for (const auto& item : *items) {
      auto parts = item.find("content");
      if (parts == item.end() || !parts->is_array()) continue;
      for (const auto& part : *parts) {
        std::string type = text_at(part, "type");
        if (type == "output_text") out.response.content += text_at(part, "text");
        if (type == "reasoning_text") out.response.reasoning_content += text_at(part, "text");
      }
    }
  }
  if (auto u = j.find("usage"); u != j.end()) read_responses_usage(*u, out);
  return out;
}

}  // namespace

ResponsesEndpoint::ResponsesEndpoint(const PluginConfig& config)
    : settings_(OpenAiSettings::from(config, "/v1/responses")),
      templates_(make_body_templates(settings_.extra.dump(-1, ' ', false, json::error_handler_t::replace),
                                     [&](const RequestInput& sentinel) { return format_request_with_dom(sentinel).body; })) {}

HttpRequestSpec ResponsesEndpoint::format_request(const RequestInput& input) const {
  const auto& shape = templates_[shape_of(input.streaming, input.max_tokens.has_value())];
  if (!shape) return format_request_with_dom(input);
  HttpRequestSpec spec = request_without_body(settings_, settings_.path, input, ApiKeyHeader::kBearer);
  if (!shape->render(input, spec.body)) return format_request_with_dom(input);  // not UTF-8: the DOM's error
  return spec;
}

HttpRequestSpec ResponsesEndpoint::format_request_with_dom(const RequestInput& input) const {
  json body = {{"model", input.model}, {"input", messages_json(input, false)}};
  if (input.streaming) body["stream"] = true;
  if (input.max_tokens) body["max_output_tokens"] = *input.max_tokens;
  return settings_request(settings_, input, std::move(body), ApiKeyHeader::kBearer);
}

ParsedResponse ResponsesEndpoint::parse_response(std::string_view payload) const {
  return parse_event({"", payload}).response;
}

ParsedEvent ResponsesEndpoint::parse_event(const StreamEvent& event) const {
  const json j = json::parse(event.data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return malformed(event.data);
  // The type is in the event name and repeated in the data; servers may send either.
  std::string type = event.type.empty() || event.type == "message" ? text_at(j, "type") : std::string(event.type);
  if (event.type.empty() && type.empty()) return responses_body(j);  // a non-streamed body
  ParsedEvent out;
  if (type == "response.output_text.delta" || type == "response.refusal.delta" ||
      type == "response.function_call_arguments.delta") {
    out.response.content = text_at(j, "delta");
  } else if (type == "response.reasoning_text.delta" || type == "response.reasoning_summary_text.delta") {
    out.response.reasoning_content = text_at(j, "delta");
  } else if (type == "response.completed" || type == "response.incomplete") {
    if (auto r = j.find("response"); r != j.end() && r->is_object()) {
      if (auto u = r->find("usage"); u != r->end()) read_responses_usage(*u, out);
    }
    out.response.done = true;
  } else if (type == "response.failed" || type == "error") {
    auto r = j.find("response");
    return server_error(r != j.end() && r->is_object() ? *r : j);
  }
  return out;
}

AnthropicMessagesEndpoint::AnthropicMessagesEndpoint(const PluginConfig& config)
    : settings_([&] {
        json rest = config.json();
        rest.erase("anthropic_version");
        return OpenAiSettings::from(PluginConfig(rest), "/v1/messages");
      }()),
      version_(config.get<std::string>("anthropic_version", "2023-06-01")) {}

HttpRequestSpec AnthropicMessagesEndpoint::format_request(const RequestInput& input) const {
  json body = {{"model", input.model}, {"messages", messages_json(input, true)},
               {"max_tokens", input.max_tokens.value_or(1024)}};  // required by the API
  std::string system;
  for (const auto& m : input.messages) {
    if (m.role == "system") system += (system.empty() ? "" : "\n") + m.content;
  }
  if (!system.empty()) body["system"] = system;
  if (input.streaming) body["stream"] = true;
  HttpRequestSpec spec = settings_request(settings_, input, std::move(body), ApiKeyHeader::kNone);
  spec.headers.emplace_back("anthropic-version", version_);
  if (!settings_.api_key.empty()) spec.headers.emplace_back("x-api-key", settings_.api_key);
  return spec;
}

ParsedResponse AnthropicMessagesEndpoint::parse_response(std::string_view payload) const {
  return parse_event({"", payload}).response;
}

ParsedEvent AnthropicMessagesEndpoint::parse_event(const StreamEvent& event) const {
  const json j = json::parse(event.data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return malformed(event.data);
  std::string type = event.type.empty() || event.type == "message" ? text_at(j, "type") : std::string(event.type);
  ParsedEvent out;
  Usage u;
  if (type == "content_block_delta") {
    const json& d = j.value("delta", json::object());
    std::string kind = text_at(d, "type");
    if (kind == "text_delta") out.response.content = text_at(d, "text");
    if (kind == "input_json_delta") out.response.content = text_at(d, "partial_json");  // tool use is output
    if (kind == "thinking_delta") out.response.reasoning_content = text_at(d, "thinking");
  } else if (type == "message_start") {
    const json& m = j.value("message", json::object());
    u.prompt_tokens = count_at(m, {"usage", "input_tokens"});
    out.cached_prompt_tokens = count_at(m, {"usage", "cache_read_input_tokens"});
    out.response.usage = u;
  } else if (type == "message_delta") {
    u.completion_tokens = count_at(j, {"usage", "output_tokens"});
    out.response.usage = u;
  } else if (type == "message_stop") {
    out.response.done = true;
  } else if (type == "error") {
    return server_error(j);
  } else if (type == "message") {  // a non-streamed body
    for (const auto& block : j.value("content", json::array())) {
      std::string kind = text_at(block, "type");
      if (kind == "text") out.response.content += text_at(block, "text");
      if (kind == "thinking") out.response.reasoning_content += text_at(block, "thinking");
    }
    u.prompt_tokens = count_at(j, {"usage", "input_tokens"});
    u.completion_tokens = count_at(j, {"usage", "output_tokens"});
    out.cached_prompt_tokens = count_at(j, {"usage", "cache_read_input_tokens"});
    out.response.usage = u;
  }
  return out;
}

}  // namespace aiperf::endpoints
