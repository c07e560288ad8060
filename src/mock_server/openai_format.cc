#include "mock_server/openai_format.h"

#include <nlohmann/json.hpp>

namespace aiperf::mock_server {
namespace {

using nlohmann::json;

json base(const OpenAiHeader& h, const char* object) {
  return json{{"id", h.id}, {"object", object}, {"created", h.created}, {"model", h.model}};
}

json finish(std::string_view reason) {
  return reason.empty() ? json(nullptr) : json(std::string(reason));
}

json usage_json(const Usage& u) {
  json j{{"prompt_tokens", u.prompt_tokens},
         {"completion_tokens", u.completion_tokens},
         {"total_tokens", u.prompt_tokens + u.completion_tokens}};
  if (u.reasoning_tokens > 0) {
    j["completion_tokens_details"] = json{{"reasoning_tokens", u.reasoning_tokens}};
  }
  return j;
}

}  // namespace

std::string sse_event(std::string_view payload) {
  std::string s;
  s.reserve(payload.size() + 8);
  s.append("data: ").append(payload).append("\n\n");
  return s;
}

std::string chat_chunk(const OpenAiHeader& h, std::string_view token, bool reasoning, bool first,
                       std::string_view finish_reason) {
  json delta = json::object();
  if (first) delta["role"] = "assistant";
  delta[reasoning ? "reasoning_content" : "content"] = std::string(token);
  json j = base(h, "chat.completion.chunk");
  j["choices"] = json::array({json{{"index", 0}, {"delta", std::move(delta)},
                                   {"logprobs", nullptr}, {"finish_reason", finish(finish_reason)}}});
  return j.dump();
}

std::string completion_chunk(const OpenAiHeader& h, std::string_view token,
                             std::string_view finish_reason) {
  json j = base(h, "text_completion");
  j["choices"] = json::array({json{{"index", 0}, {"text", std::string(token)},
                                   {"logprobs", nullptr}, {"finish_reason", finish(finish_reason)}}});
  return j.dump();
}

std::string usage_chunk(const OpenAiHeader& h, bool chat, const Usage& usage) {
  json j = base(h, chat ? "chat.completion.chunk" : "text_completion");
  j["choices"] = json::array();
  j["usage"] = usage_json(usage);
  return j.dump();
}

std::string chat_response(const OpenAiHeader& h, std::string_view content,
                          std::string_view reasoning_content, std::string_view finish_reason,
                          const Usage& usage) {
  json message{{"role", "assistant"}, {"content", std::string(content)}};
  if (!reasoning_content.empty()) message["reasoning_content"] = std::string(reasoning_content);
  json j = base(h, "chat.completion");
  j["choices"] = json::array({json{{"index", 0}, {"message", std::move(message)},
                                   {"logprobs", nullptr}, {"finish_reason", finish(finish_reason)}}});
  j["usage"] = usage_json(usage);
  return j.dump();
}

std::string completion_response(const OpenAiHeader& h, std::string_view text,
                                 std::string_view finish_reason, const Usage& usage) {
  json j = base(h, "text_completion");
  j["choices"] = json::array({json{{"index", 0}, {"text", std::string(text)},
                                   {"logprobs", nullptr}, {"finish_reason", finish(finish_reason)}}});
  j["usage"] = usage_json(usage);
  return j.dump();
}

std::string embeddings_response(std::string_view model, const std::vector<std::vector<float>>& vectors,
                                int prompt_tokens) {
  json data = json::array();
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    data.push_back(json{{"object", "embedding"}, {"index", i}, {"embedding", vectors[i]}});
  }
  json j{{"object", "list"},
         {"data", std::move(data)},
         {"model", std::string(model)},
         {"usage", json{{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
  return j.dump();
}

std::string models_response(const std::vector<std::string>& models, std::int64_t created) {
  json data = json::array();
  for (const auto& m : models) {
    data.push_back(json{{"id", m}, {"object", "model"}, {"created", created}, {"owned_by", "aiperf-mock"}});
  }
  return json{{"object", "list"}, {"data", std::move(data)}}.dump();
}

std::string openai_error(std::string_view message, std::string_view type, std::string_view code) {
  json j{{"error", json{{"message", std::string(message)},
                        {"type", std::string(type)},
                        {"param", nullptr},
                        {"code", code.empty() ? json(nullptr) : json(std::string(code))}}}};
  return j.dump();
}

}  // namespace aiperf::mock_server
