#include "ollama_parse.h"

#include <exception>
#include <string>

#include <nlohmann/json.hpp>

namespace aiperf_plugins::ollama {
namespace {

using nlohmann::json;

std::string_view trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string excerpt(std::string_view s) {
  std::string out(s.substr(0, 120));
  for (char& c : out) c = (c == '\n' || c == '\r') ? ' ' : c;
  return s.size() > 120 ? out + "..." : out;
}

// Appends a string field (null or absent = nothing); false if it has another type.
bool append_text(const json& object, const char* key, std::string& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  out += it->get_ref<const std::string&>();
  return true;
}

// Reads a token count (absent = nothing); false unless a non-negative integer.
bool read_count(const json& object, const char* key, std::optional<uint64_t>& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) return false;
  out = it->get<uint64_t>();
  return true;
}

aiperf::ParsedResponse failed(std::string message) {
  aiperf::ParsedResponse out;
  out.error = std::move(message);
  return out;
}

aiperf::ParsedResponse parse_object(const json& body, Api api) {
  if (!body.is_object()) return failed(std::string("Ollama response is not a JSON object but ") + body.type_name());
  aiperf::ParsedResponse out;
  if (auto e = body.find("error"); e != body.end() && !e->is_null()) {
    std::string message = e->is_string() ? e->get<std::string>()
                          : e->is_object() && e->contains("message") && (*e)["message"].is_string()
                              ? (*e)["message"].get<std::string>()
                              : e->dump();
    return failed("server error: " + message);
  }
  if (api == Api::kChat) {
    if (auto m = body.find("message"); m != body.end() && !m->is_null()) {
      if (!m->is_object()) return failed("Ollama chat response: 'message' is not an object");
      if (!append_text(*m, "content", out.content)) return failed("Ollama chat response: 'message.content' is not a string");
      if (!append_text(*m, "thinking", out.reasoning_content)) {
        return failed("Ollama chat response: 'message.thinking' is not a string");
      }
    }
  } else {
    if (!append_text(body, "response", out.content)) return failed("Ollama generate response: 'response' is not a string");
    if (!append_text(body, "thinking", out.reasoning_content)) {
      return failed("Ollama generate response: 'thinking' is not a string");
    }
  }
  if (auto d = body.find("done"); d != body.end() && !d->is_null()) {
    if (!d->is_boolean()) return failed("Ollama response: 'done' is not a boolean");
    out.done = d->get<bool>();
  }
  aiperf::Usage usage;
  if (!read_count(body, "prompt_eval_count", usage.prompt_tokens) ||
      !read_count(body, "eval_count", usage.completion_tokens)) {
    return failed("Ollama response: token counts are not non-negative integers");
  }
  if (usage.prompt_tokens || usage.completion_tokens) out.usage = usage;
  return out;
}

}  // namespace

aiperf::ParsedResponse parse_ollama(std::string_view payload, Api api) noexcept {
  try {
    std::string_view text = trim(payload);
    if (text.empty()) return failed("empty Ollama response");
    json body = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return failed("malformed Ollama response (not JSON): " + excerpt(text));
    return parse_object(body, api);
  } catch (const std::exception& e) {
    aiperf::ParsedResponse out;
    out.error = std::string("Ollama response could not be parsed: ") + e.what();
    return out;
  } catch (...) {
    return {};
  }
}

}  // namespace aiperf_plugins::ollama
