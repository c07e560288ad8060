#include "mock_server/typed_format.h"

#include <nlohmann/json.hpp>

namespace aiperf::mock_server {
namespace {

using nlohmann::json;

json responses_usage(const Usage& u) {
  return {{"input_tokens", u.prompt_tokens},
          {"input_tokens_details", {{"cached_tokens", u.cached_tokens}}},
          {"output_tokens", u.completion_tokens},
          {"output_tokens_details", {{"reasoning_tokens", u.reasoning_tokens}}},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

json response_object(const OpenAiHeader& h, std::string_view status) {
  return {{"id", "resp_" + h.id}, {"object", "response"}, {"created_at", h.created},
          {"status", std::string(status)}, {"model", h.model}, {"output", json::array()},
          {"usage", nullptr}, {"error", nullptr}, {"incomplete_details", nullptr}};
}

json responses_output(const OpenAiHeader& h, std::string_view text, std::string_view reasoning) {
  json output = json::array();
  if (!reasoning.empty()) {
    output.push_back({{"type", "reasoning"}, {"id", "rs_" + h.id}, {"summary", json::array()},
                      {"content", json::array({{{"type", "reasoning_text"}, {"text", std::string(reasoning)}}})}});
  }
  output.push_back({{"type", "message"}, {"id", "msg_" + h.id}, {"status", "completed"}, {"role", "assistant"},
                    {"content", json::array({{{"type", "output_text"}, {"text", std::string(text)},
                                              {"annotations", json::array()}}})}});
  return output;
}

json anthropic_usage(const Usage& u, bool with_output) {
  json j{{"input_tokens", u.prompt_tokens}, {"cache_read_input_tokens", u.cached_tokens},
         {"cache_creation_input_tokens", 0}};
  j["output_tokens"] = with_output ? u.completion_tokens : 1;
  return j;
}

}  // namespace

std::string typed_event(std::string_view type, std::string_view payload) {
  std::string s = "event: ";
  s.append(type).append("\ndata: ").append(payload).append("\n\n");
  return s;
}

std::string responses_prologue(const OpenAiHeader& h) {
  return typed_event("response.created",
                     json{{"type", "response.created"}, {"response", response_object(h, "in_progress")}}.dump());
}

std::string responses_delta(const OpenAiHeader& h, std::string_view token, bool reasoning) {
  const char* type = reasoning ? "response.reasoning_text.delta" : "response.output_text.delta";
  json j{{"type", type}, {"item_id", (reasoning ? "rs_" : "msg_") + h.id}, {"output_index", reasoning ? 0 : 1},
         {"content_index", 0}, {"delta", std::string(token)}};
  return typed_event(type, j.dump());
}

std::string responses_completed(const OpenAiHeader& h, std::string_view text, std::string_view reasoning,
                                const Usage& usage) {
  json r = response_object(h, "completed");
  r["output"] = responses_output(h, text, reasoning);
  r["usage"] = responses_usage(usage);
  return typed_event("response.completed", json{{"type", "response.completed"}, {"response", r}}.dump());
}

std::string responses_body(const OpenAiHeader& h, std::string_view text, std::string_view reasoning,
                           const Usage& usage) {
  json r = response_object(h, "completed");
  r["output"] = responses_output(h, text, reasoning);
  r["usage"] = responses_usage(usage);
  return r.dump();
}

std::string messages_prologue(const OpenAiHeader& h, const Usage& usage, bool thinking) {
  json message{{"id", "msg_" + h.id}, {"type", "message"}, {"role", "assistant"}, {"content", json::array()},
               {"model", h.model}, {"stop_reason", nullptr}, {"stop_sequence", nullptr},
               {"usage", anthropic_usage(usage, false)}};
  json block = thinking ? json{{"type", "thinking"}, {"thinking", ""}} : json{{"type", "text"}, {"text", ""}};
  return typed_event("message_start", json{{"type", "message_start"}, {"message", message}}.dump()) +
         typed_event("content_block_start",
                     json{{"type", "content_block_start"}, {"index", 0}, {"content_block", block}}.dump());
}

std::string messages_delta(std::string_view token, bool thinking, int block) {
  json delta = thinking ? json{{"type", "thinking_delta"}, {"thinking", std::string(token)}}
                        : json{{"type", "text_delta"}, {"text", std::string(token)}};
  return typed_event("content_block_delta",
                     json{{"type", "content_block_delta"}, {"index", block}, {"delta", delta}}.dump());
}

std::string messages_switch_block() {
  return typed_event("content_block_stop", R"({"type":"content_block_stop","index":0})") +
         typed_event("content_block_start",
                     R"({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})");
}

std::string messages_epilogue(int block, std::string_view stop_reason, const Usage& usage) {
  json delta{{"type", "message_delta"},
             {"delta", {{"stop_reason", std::string(stop_reason)}, {"stop_sequence", nullptr}}},
             {"usage", {{"output_tokens", usage.completion_tokens}}}};
  return typed_event("content_block_stop", json{{"type", "content_block_stop"}, {"index", block}}.dump()) +
         typed_event("message_delta", delta.dump()) + typed_event("message_stop", R"({"type":"message_stop"})");
}

std::string messages_body(const OpenAiHeader& h, std::string_view text, std::string_view thinking,
                          std::string_view stop_reason, const Usage& usage) {
  json content = json::array();
  if (!thinking.empty()) {
    content.push_back({{"type", "thinking"}, {"thinking", std::string(thinking)}, {"signature", ""}});
  }
  content.push_back({{"type", "text"}, {"text", std::string(text)}});
  return json{{"id", "msg_" + h.id}, {"type", "message"}, {"role", "assistant"}, {"content", content},
              {"model", h.model}, {"stop_reason", std::string(stop_reason)}, {"stop_sequence", nullptr},
              {"usage", anthropic_usage(usage, true)}}
      .dump();
}

std::string rerank_response(Route route, const OpenAiHeader& h, int passages) {
  json list = json::array();
  for (int i = 0; i < passages; ++i) {
    const double score = 1.0 / (1.0 + i);
    if (route == Route::ranking_nim) list.push_back({{"index", i}, {"logit", 10.0 * score}});
    else if (route == Route::rerank_tei) list.push_back({{"index", i}, {"score", score}});
    else list.push_back({{"index", i}, {"relevance_score", score}});
  }
  if (route == Route::rerank_tei) return list.dump();
  if (route == Route::ranking_nim) return json{{"rankings", list}}.dump();
  return json{{"id", h.id}, {"results", list}, {"meta", {{"billed_units", {{"search_units", 1}}}}}}.dump();
}

std::string tgi_event(int i, std::string_view token, std::string_view whole, int generated, bool last) {
  json j{{"index", i},
         {"token", {{"id", i}, {"text", std::string(token)}, {"logprob", -0.1}, {"special", false}}},
         {"generated_text", last ? json(std::string(whole)) : json(nullptr)},
         {"details", last ? json{{"finish_reason", "length"}, {"generated_tokens", generated}, {"seed", nullptr}}
                          : json(nullptr)}};
  return "data:" + j.dump() + "\n\n";  // TGI writes no space after the colon
}

std::string tgi_body(std::string_view text, int generated) {
  return json{{"generated_text", std::string(text)},
              {"details", {{"finish_reason", "length"}, {"generated_tokens", generated}, {"seed", nullptr},
                           {"prefill", json::array()}, {"tokens", json::array()}}}}
      .dump();
}

std::string anthropic_error(std::string_view message, std::string_view type) {
  return json{{"type", "error"}, {"error", {{"type", std::string(type)}, {"message", std::string(message)}}}}.dump();
}

}  // namespace aiperf::mock_server
