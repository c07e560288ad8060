#include "mock_server/ollama_format.h"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace aiperf::mock_server {
namespace {

using nlohmann::json;

json base(bool chat, std::string_view model, std::string_view created_at, std::string_view text) {
  json j{{"model", std::string(model)}, {"created_at", std::string(created_at)}};
  if (chat) {
    j["message"] = json{{"role", "assistant"}, {"content", std::string(text)}};
  } else {
    j["response"] = std::string(text);
  }
  return j;
}

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns % 1000000000);
}

// A thinking token goes to `thinking` (message.thinking for chat), as Ollama sends it.
std::string ollama_line(bool chat, std::string_view model, std::string_view created_at,
                        std::string_view token, bool thinking) {
  json j = base(chat, model, created_at, thinking ? std::string_view{} : token);
  if (thinking) (chat ? j["message"]["thinking"] : j["thinking"]) = std::string(token);
  j["done"] = false;
  return j.dump();
}

std::string ollama_final(bool chat, std::string_view model, std::string_view created_at,
                         std::string_view text, const OllamaStats& s) {
  json j = base(chat, model, created_at, text);
  if (!s.thinking.empty()) (chat ? j["message"]["thinking"] : j["thinking"]) = s.thinking;
  j["done"] = true;
  j["done_reason"] = std::string(s.done_reason);
  j["total_duration"] = s.total_duration_ns;
  j["load_duration"] = 0;
  j["prompt_eval_count"] = s.prompt_eval_count;
  j["prompt_eval_duration"] = s.prompt_eval_duration_ns;
  j["eval_count"] = s.eval_count;
  j["eval_duration"] = s.eval_duration_ns;
  return j.dump();
}

std::string ollama_error(std::string_view message) {
  return json{{"error", std::string(message)}}.dump();
}

std::string ollama_tags_response(const std::vector<std::string>& models) {
  json list = json::array();
  for (const auto& m : models) {
    list.push_back({{"name", m},
                    {"model", m},
                    {"modified_at", "2026-01-01T00:00:00Z"},
                    {"size", 0},
                    {"digest", std::string(64, '0')},
                    {"details", {{"format", "gguf"}, {"family", "mock"}, {"parameter_size", "0B"},
                                 {"quantization_level", "none"}}}});
  }
  return json{{"models", list}}.dump();
}

}  // namespace aiperf::mock_server
