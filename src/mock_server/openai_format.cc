#include "mock_server/openai_format.h"

#include <cstring>

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
  if (u.cached_tokens > 0) j["prompt_tokens_details"] = json{{"cached_tokens", u.cached_tokens}};
  return j;
}

// Base64 (RFC 4648, padded) of the vector's float32 values, little-endian.
std::string base64_floats(const std::vector<float>& v) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  for (float f : v) {
    std::uint32_t u = 0;
    std::memcpy(&u, &f, sizeof u);
    for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<char>((u >> (8 * k)) & 0xFF));
  }
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

}  // namespace

std::string sse_event(std::string_view payload) {
  std::string s;
  s.reserve(payload.size() + 8);
  s.append("data: ").append(payload).append("\n\n");
  return s;
}

std::string chat_chunk(const OpenAiHeader& h, std::string_view token, bool reasoning, bool first,
                       std::string_view finish_reason, std::string_view reasoning_field, int choice) {
  json delta = json::object();
  if (first) delta["role"] = "assistant";
  delta[reasoning ? std::string(reasoning_field) : std::string("content")] = std::string(token);
  json j = base(h, "chat.completion.chunk");
  j["choices"] = json::array({json{{"index", choice}, {"delta", std::move(delta)},
                                   {"logprobs", nullptr}, {"finish_reason", finish(finish_reason)}}});
  return j.dump();
}

std::string completion_chunk(const OpenAiHeader& h, std::string_view token,
                             std::string_view finish_reason, int choice) {
  json j = base(h, "text_completion");
  j["choices"] = json::array({json{{"index", choice}, {"text", std::string(token)},
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
                          const Usage& usage, std::string_view reasoning_field, int choices) {
  json message{{"role", "assistant"}, {"content", std::string(content)}};
  if (!reasoning_content.empty()) message[std::string(reasoning_field)] = std::string(reasoning_content);
  json j = base(h, "chat.completion");
  j["choices"] = json::array();
  for (int c = 0; c < choices; ++c) {
    j["choices"].push_back(json{{"index", c}, {"message", message}, {"logprobs", nullptr},
                                {"finish_reason", finish(finish_reason)}});
  }
  j["usage"] = usage_json(usage);
  return j.dump();
}

std::string completion_response(const OpenAiHeader& h, std::string_view text,
                                 std::string_view finish_reason, const Usage& usage, int choices) {
  json j = base(h, "text_completion");
  j["choices"] = json::array();
  for (int c = 0; c < choices; ++c) {
    j["choices"].push_back(json{{"index", c}, {"text", std::string(text)}, {"logprobs", nullptr},
                                {"finish_reason", finish(finish_reason)}});
  }
  j["usage"] = usage_json(usage);
  return j.dump();
}

std::string embeddings_response(std::string_view model, const std::vector<std::vector<float>>& vectors,
                                int prompt_tokens, bool base64) {
  json data = json::array();
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    json embedding = base64 ? json(base64_floats(vectors[i])) : json(vectors[i]);
    data.push_back(json{{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
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

std::string openai_error(std::string_view message, std::string_view type, std::string_view code,
                         std::string_view param) {
  json j{{"error", json{{"message", std::string(message)},
                        {"type", std::string(type)},
                        {"param", param.empty() ? json(nullptr) : json(std::string(param))},
                        {"code", code.empty() ? json(nullptr) : json(std::string(code))}}}};
  return j.dump();
}

}  // namespace aiperf::mock_server
