#include "endpoints/openai.h"

#include <simdjson.h>

#include "endpoints/openai_chunk.h"

namespace aiperf::endpoints {
namespace {

using nlohmann::json;
namespace od = simdjson::ondemand;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Appends a string field's text; JSON null counts as empty (servers send "content": null).
simdjson::error_code append_text(od::value value, std::string& out) {
  bool is_null = false;
  if (auto e = value.is_null().get(is_null)) return e;
  if (is_null) return simdjson::SUCCESS;
  std::string_view text;
  if (auto e = value.get_string().get(text)) return e;
  out.append(text);
  return simdjson::SUCCESS;
}

// Appends the name and argument fragments of streamed tool calls: they are
// output (AIPerf counts them), so a tool-call-only stream gets TTFT and ITL.
simdjson::error_code read_tool_calls(od::value value, std::string& out) {
  od::array calls;
  if (value.get_array().get(calls)) return simdjson::SUCCESS;  // null or odd: no text
  for (auto element : calls) {
    od::object call;
    if (auto e = element.get_object().get(call)) return e;
    for (auto field : call) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return e;
      if (key != "function") continue;
      od::object function;
      if (field.value().get_object().get(function)) continue;
      for (auto part : function) {
        std::string_view pkey;
        if (auto e = part.unescaped_key().get(pkey)) return e;
        if (pkey == "name" || pkey == "arguments") {
          if (auto e = append_text(part.value(), out)) return e;
        }
      }
    }
  }
  return simdjson::SUCCESS;
}

// Reads content/reasoning/tool calls out of a chat "delta" or "message" object.
simdjson::error_code read_message(od::object message, ParsedResponse& out) {
  for (auto field : message) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    if (key == "content") {
      if (auto e = append_text(field.value(), out.content)) return e;
    } else if (key == "reasoning_content" || key == "reasoning") {
      if (auto e = append_text(field.value(), out.reasoning_content)) return e;
    } else if (key == "tool_calls") {
      if (auto e = read_tool_calls(field.value(), out.content)) return e;
    }
  }
  return simdjson::SUCCESS;
}

// n > 1 is refused at configuration (OpenAiSettings::from): a second choice
// would interleave with the first and make every inter-token gap wrong, so a
// response that carries one anyway fails instead of being timed wrongly.
constexpr std::string_view kSecondChoice =
    "response carries a choice with index > 0: n > 1 is not supported (each choice would need its own timing)";

simdjson::error_code read_choice(od::object choice, ParsedEvent& out) {
  for (auto field : choice) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    if (key == "delta" || key == "message") {
      od::object message;
      if (auto e = field.value().get_object().get(message)) return e;
      if (auto e = read_message(message, out.response)) return e;
    } else if (key == "text") {
      if (auto e = append_text(field.value(), out.response.content)) return e;
    } else if (key == "index") {
      uint64_t index = 0;
      if (!field.value().get_uint64().get(index) && index > 0) out.response.error = std::string(kSecondChoice);
    }
  }
  return simdjson::SUCCESS;
}

// "choices": null is an empty chunk (some servers send it with usage).
simdjson::error_code read_choices(od::value value, ParsedEvent& out) {
  bool is_null = false;
  if (auto e = value.is_null().get(is_null)) return e;
  if (is_null) return simdjson::SUCCESS;
  od::array choices;
  if (auto e = value.get_array().get(choices)) return e;
  std::size_t count = 0;
  for (auto element : choices) {
    od::object choice;
    if (auto e = element.get_object().get(choice)) return e;
    if (++count > 1) out.response.error = std::string(kSecondChoice);
    if (auto e = read_choice(choice, out)) return e;
  }
  return simdjson::SUCCESS;
}

// A usage count; present but not a non-negative integer (-1, 1.5, "7", 1e30): kImplausibleTokenCount.
simdjson::error_code read_count(od::value value, std::optional<uint64_t>& out) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == od::json_type::null) return simdjson::SUCCESS;
  uint64_t n = 0;
  out = type == od::json_type::number && !value.get_uint64().get(n) ? n : kImplausibleTokenCount;
  return simdjson::SUCCESS;
}

// Reads `detail` out of a *_tokens_details object (null or odd: nothing).
simdjson::error_code read_detail(od::value value, std::string_view detail, std::optional<uint64_t>& out) {
  od::object details;
  if (value.get_object().get(details)) return simdjson::SUCCESS;
  for (auto field : details) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    if (key == detail) {
      if (auto e = read_count(field.value(), out)) return e;
    }
  }
  return simdjson::SUCCESS;
}

simdjson::error_code read_usage(od::value value, ParsedEvent& out) {
  bool is_null = false;
  if (auto e = value.is_null().get(is_null)) return e;
  if (is_null) return simdjson::SUCCESS;
  od::object usage;
  if (auto e = value.get_object().get(usage)) return e;
  Usage u;
  for (auto field : usage) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    simdjson::error_code e = simdjson::SUCCESS;
    if (key == "prompt_tokens") {
      e = read_count(field.value(), u.prompt_tokens);
    } else if (key == "completion_tokens") {
      e = read_count(field.value(), u.completion_tokens);
    } else if (key == "completion_tokens_details") {
      e = read_detail(field.value(), "reasoning_tokens", u.reasoning_tokens);
    } else if (key == "prompt_tokens_details") {
      e = read_detail(field.value(), "cached_tokens", out.cached_prompt_tokens);
    }
    if (e) return e;
  }
  out.response.usage = u;
  return simdjson::SUCCESS;
}

// {"error": {"message": ...}} or {"error": "..."}: keep the message.
simdjson::error_code read_error(od::value value, ParsedEvent& out) {
  std::string message;
  od::object object;
  if (!value.get_object().get(object)) {
    for (auto field : object) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return e;
      if (key == "message") append_text(field.value(), message);
    }
  } else {
    append_text(value, message);
  }
  out.response.error = "server error: " + (message.empty() ? std::string("(no message)") : message);
  out.server_error = true;
  return simdjson::SUCCESS;
}

std::string joined_prompt(const RequestInput& input) {
  std::string prompt;
  for (const auto& m : input.messages) {
    if (!prompt.empty()) prompt += "\n";
    prompt += m.content;
  }
  return prompt;
}


json streaming_fields(const RequestInput& input) {
  json body = json::object();
  if (input.streaming) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};  // usage in the final chunk
  }
  if (input.max_tokens) body["max_tokens"] = *input.max_tokens;
  return body;
}

}  // namespace

HttpRequestSpec request_without_body(const OpenAiSettings& s, std::string path, const RequestInput& input,
                                     ApiKeyHeader key) {
  return request_without_body(s, std::move(path), input.streaming, input.request_id, key);
}

HttpRequestSpec request_without_body(const OpenAiSettings& s, std::string path, bool streaming,
                                     std::string_view request_id, ApiKeyHeader key) {
  HttpRequestSpec spec;
  spec.path = std::move(path);
  spec.headers.reserve(4 + s.headers.size());
  // Copied from strings made once (a literal would be measured, strlen, for every request).
  static const std::string kContentType = "Content-Type", kJson = "application/json", kAccept = "Accept",
                           kEventStream = "text/event-stream", kRequestId = "X-Request-Id";
  spec.headers.emplace_back(kContentType, kJson);
  if (streaming) spec.headers.emplace_back(kAccept, kEventStream);
  if (key == ApiKeyHeader::kBearer && !s.api_key.empty()) {
    spec.headers.emplace_back("Authorization", "Bearer " + s.api_key);
  }
  if (!request_id.empty()) spec.headers.emplace_back(kRequestId, request_id);
  for (const auto& h : s.headers) spec.headers.push_back(h);
  return spec;
}

HttpRequestSpec json_request(const OpenAiSettings& s, std::string path, const RequestInput& input, json body,
                             ApiKeyHeader key) {
  HttpRequestSpec spec = request_without_body(s, std::move(path), input, key);
  spec.body = body.dump();
  return spec;
}

HttpRequestSpec settings_request(const OpenAiSettings& s, const RequestInput& input, json body, ApiKeyHeader key) {
  for (const auto& [name, value] : s.extra.items()) body[name] = value;
  return json_request(s, s.path, input, std::move(body), key);
}

OpenAiSettings OpenAiSettings::from(const PluginConfig& config, std::string default_path) {
  config.allow_only({"path", "api_key", "headers", "extra"});
  OpenAiSettings s;
  s.path = config.get<std::string>("path", std::move(default_path));
  if (s.path.empty() || s.path.front() != '/') {
    throw ConfigError("key 'path' must start with '/', got '" + s.path + "'");
  }
  s.api_key = config.get<std::string>("api_key", "");
  const json headers = config.get<json>("headers", json::object());
  if (!headers.is_object()) throw ConfigError("key 'headers' must be a mapping");
  for (const auto& [k, v] : headers.items()) {
    if (!v.is_string()) throw ConfigError("key 'headers." + k + "' must be a string");
    s.headers.emplace_back(k, v.get<std::string>());
  }
  s.extra = config.get<json>("extra", json::object());
  if (!s.extra.is_object()) throw ConfigError("key 'extra' must be a mapping");
  if (auto n = s.extra.find("n"); n != s.extra.end() && !(n->is_number_integer() && n->get<int64_t>() == 1)) {
    throw ConfigError("n > 1 is not supported: every choice would need its own TTFT and ITL; "
                      "run with n = 1 (got n = " + n->dump() + ")");
  }
  return s;
}

// A payload: the end marker, or a chunk or body read by the fast path (declined: the general parser).
ParsedEvent parse_openai_event(std::string_view payload) {
  ParsedEvent out;
  parse_openai_event_into(payload, out);
  return out;
}

void parse_openai_event_into(std::string_view payload, ParsedEvent& out) {
  const std::string_view text = trim(payload);
  if (text == "[DONE]") {
    reset_event(out);
    out.response.done = true;
  } else if (!parse_openai_chunk_fast_into(text, out)) {
    out = parse_openai_event_general(text);
  }
}

ParsedEvent parse_openai_event_general(std::string_view payload) {
  ParsedEvent out;
  std::string_view text = trim(payload);
  if (text == "[DONE]") {
    out.response.done = true;
    return out;
  }
  // simdjson reads past the end of its input, so parse from a padded copy.
  thread_local od::parser parser;
  thread_local std::string buffer;
  buffer.assign(text);
  buffer.resize(text.size() + simdjson::SIMDJSON_PADDING);
  simdjson::padded_string_view view(buffer.data(), text.size(), buffer.size());

  auto failed = [&](simdjson::error_code e) {
    out = ParsedEvent{};
    std::string shown(text.substr(0, 120));
    out.response.error = std::string("malformed response (") + simdjson::error_message(e) + "): " + shown;
    return out;
  };
  od::document doc;
  if (auto e = parser.iterate(view).get(doc)) return failed(e);
  od::object root;
  if (auto e = doc.get_object().get(root)) return failed(e);
  for (auto field : root) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return failed(e);
    simdjson::error_code e = simdjson::SUCCESS;
    if (key == "choices") {
      e = read_choices(field.value(), out);
    } else if (key == "usage") {
      e = read_usage(field.value(), out);
    } else if (key == "error") {
      e = read_error(field.value(), out);
    }
    if (e) return failed(e);
  }
  // Anything after the root object is malformed too (in bounds = something is left).
  const char* rest = nullptr;
  if (!doc.current_location().get(rest)) return failed(simdjson::TRAILING_CONTENT);
  return out;
}

ParsedResponse parse_openai_payload(std::string_view payload) {
  return parse_openai_event(payload).response;
}

namespace {
// The config without `osl_exact`, which OpenAiEndpoint reads itself.
PluginConfig without_osl_exact(const PluginConfig& config) {
  json rest = config.json();
  if (rest.is_object()) rest.erase("osl_exact");
  return PluginConfig(std::move(rest));
}
}  // namespace

OpenAiEndpoint::OpenAiEndpoint(const PluginConfig& config, std::string default_path)
    : settings_(OpenAiSettings::from(without_osl_exact(config), std::move(default_path))),
      osl_exact_(config.get<bool>("osl_exact", false)) {}

HttpRequestSpec OpenAiEndpoint::format_request_with_dom(const RequestInput& input) const {
  RequestInput effective = input;
  effective.streaming = input.streaming && generates_text();
  json fields = generates_text() ? streaming_fields(effective) : json::object();
  if (osl_exact_ && generates_text() && effective.max_tokens) {  // exactly max_tokens out: no early EOS
    fields["min_tokens"] = *effective.max_tokens;
    fields["ignore_eos"] = true;
  }
  json own = body(effective);
  for (auto& [key, value] : own.items()) fields[key] = std::move(value);
  return settings_request(settings_, effective, std::move(fields));
}

void OpenAiEndpoint::prepare_templates() {
  templates_ = make_body_templates(settings_.extra.dump(-1, ' ', false, json::error_handler_t::replace),
                                   [&](const RequestInput& sentinel) { return format_request_with_dom(sentinel).body; });
}

HttpRequestSpec OpenAiEndpoint::format_request(const RequestInput& input) const {
  const bool streaming = input.streaming && generates_text();
  const auto& shape = templates_[shape_of(streaming, input.max_tokens.has_value())];
  // One named result on every path, so it is built in the caller's place (no moves of its strings).
  HttpRequestSpec spec =
      shape ? request_without_body(settings_, settings_.path, streaming, input.request_id, ApiKeyHeader::kBearer)
            : HttpRequestSpec{};
  if (!shape || !shape->render(input, spec.body)) spec = format_request_with_dom(input);  // not UTF-8: the DOM's error
  return spec;
}

ParsedResponse OpenAiEndpoint::parse_response(std::string_view payload) const {
  return parse_openai_payload(payload);
}

ParsedEvent OpenAiEndpoint::parse_event(const StreamEvent& event) const {
  if (event.type == "error") {  // vLLM and others end a failing stream with `event: error`
    ParsedEvent out = parse_openai_event(event.data);
    if (!out.server_error) {
      out = ParsedEvent{};
      out.response.error = "server error: " + std::string(event.data.substr(0, 300));
    }
    out.server_error = true;
    return out;
  }
  if (event.type.empty()) return parse_openai_event(event.data);  // a whole body or an NDJSON line
  if (event.type != "message") return {};
  ParsedEvent out;  // an SSE chunk of a stream
  parse_stream_chunk_into(event.data, out);
  return out;
}

void OpenAiEndpoint::parse_event_into(const StreamEvent& event, ParsedEvent& out) const {
  if (event.type == "message") return parse_stream_chunk_into(event.data, out);
  if (event.type.empty()) return parse_openai_event_into(event.data, out);  // a whole body or an NDJSON line
  out = parse_event(event);
}

// An SSE chunk: the end marker, or the chunk on its stream's shape, the fast path, else the general parser.
void OpenAiEndpoint::parse_stream_chunk_into(std::string_view data, ParsedEvent& out) {
  std::string_view text = trim(data);
  if (text == "[DONE]") {
    reset_event(out);
    out.response.done = true;
  } else if (!parse_openai_stream_chunk_into(text, out)) {
    out = parse_openai_event_general(text);
  }
}

ChatEndpoint::ChatEndpoint(const PluginConfig& config) : OpenAiEndpoint(config, "/v1/chat/completions") { prepare_templates(); }

json ChatEndpoint::body(const RequestInput& input) const {
  json messages = json::array();
  for (const auto& m : input.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  json out = {{"model", input.model}, {"messages", std::move(messages)}};
  // The chat API's current name for the limit (max_tokens is deprecated there); both are sent,
  // so servers that know only one of them still get it.
  if (input.max_tokens) out["max_completion_tokens"] = *input.max_tokens;
  return out;
}

CompletionsEndpoint::CompletionsEndpoint(const PluginConfig& config) : OpenAiEndpoint(config, "/v1/completions") { prepare_templates(); }

json CompletionsEndpoint::body(const RequestInput& input) const {
  return {{"model", input.model}, {"prompt", joined_prompt(input)}};
}

EmbeddingsEndpoint::EmbeddingsEndpoint(const PluginConfig& config) : OpenAiEndpoint(config, "/v1/embeddings") { prepare_templates(); }

// Only usage and errors of the response matter for metrics, not the vectors.
json EmbeddingsEndpoint::body(const RequestInput& input) const {
  return {{"model", input.model}, {"input", json::array({joined_prompt(input)})}};
}

}  // namespace aiperf::endpoints
