#include "endpoints/responses.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace aiperf::endpoints {
namespace {

TEST(ResponsesEndpointTest, OnlyTextAndReasoningDeltasCarryOutput) {
  ResponsesEndpoint e{PluginConfig{}};
  EXPECT_EQ(e.parse_event({"response.created", R"({"type":"response.created","response":{}})"}).response.content, "");
  EXPECT_EQ(e.parse_event({"response.output_text.delta", R"({"type":"response.output_text.delta","delta":"Hi"})"})
                .response.content,
            "Hi");
  EXPECT_EQ(e.parse_event({"response.reasoning_text.delta", R"({"delta":"think"})"}).response.reasoning_content,
            "think");
  // Untyped SSE with the type in the data works too.
  EXPECT_EQ(e.parse_event({"message", R"({"type":"response.output_text.delta","delta":"x"})"}).response.content, "x");
  ParsedEvent done = e.parse_event({"response.completed", R"({"type":"response.completed","response":{"usage":
      {"input_tokens":7,"output_tokens":5,"output_tokens_details":{"reasoning_tokens":2},
       "input_tokens_details":{"cached_tokens":3}}}})"});
  ASSERT_TRUE(done.response.usage);
  EXPECT_EQ(done.response.usage->prompt_tokens, 7u);
  EXPECT_EQ(done.response.usage->completion_tokens, 5u);
  EXPECT_EQ(done.response.usage->reasoning_tokens, 2u);
  EXPECT_EQ(done.cached_prompt_tokens, 3u);
  ParsedEvent failed = e.parse_event({"response.failed", R"({"response":{"error":{"message":"boom"}}})"});
  EXPECT_TRUE(failed.server_error);
  EXPECT_NE(failed.response.error->find("boom"), std::string::npos);
}

TEST(ResponsesEndpointTest, RequestUsesInputAndMaxOutputTokens) {
  ResponsesEndpoint e{PluginConfig(nlohmann::json{{"api_key", "k"}})};
  RequestInput in{"m", {{"user", "hello"}}, 12, true, "id"};
  HttpRequestSpec spec = e.format_request(in);
  EXPECT_EQ(spec.path, "/v1/responses");
  auto body = nlohmann::json::parse(spec.body);
  EXPECT_EQ(body["input"][0]["content"], "hello");
  EXPECT_EQ(body["max_output_tokens"], 12);
  EXPECT_EQ(body["stream"], true);
  int bearer = 0;
  for (const auto& [k, v] : spec.headers) bearer += (k == "Authorization" && v == "Bearer k");
  EXPECT_EQ(bearer, 1);
}

TEST(AnthropicMessagesEndpointTest, UsageArrivesInPartsAndDeltasAreOutput) {
  AnthropicMessagesEndpoint e{PluginConfig(nlohmann::json{{"api_key", "sk"}, {"anthropic_version", "2023-06-01"}})};
  RequestInput in{"claude", {{"system", "be brief"}, {"user", "hi"}}, std::nullopt, true, "id"};
  HttpRequestSpec spec = e.format_request(in);
  EXPECT_EQ(spec.path, "/v1/messages");
  bool key = false, version = false, authorization = false;
  for (const auto& [k, v] : spec.headers) {
    key = key || (k == "x-api-key" && v == "sk");
    version = version || (k == "anthropic-version" && v == "2023-06-01");
    authorization = authorization || k == "Authorization";
  }
  EXPECT_TRUE(key && version);
  EXPECT_FALSE(authorization) << "Anthropic takes the key in x-api-key only";
  auto body = nlohmann::json::parse(spec.body);
  EXPECT_EQ(body["system"], "be brief");
  EXPECT_EQ(body["messages"].size(), 1u);
  EXPECT_TRUE(body.contains("max_tokens"));

  ParsedEvent start = e.parse_event({"message_start", R"({"type":"message_start","message":{"usage":
      {"input_tokens":9,"cache_read_input_tokens":4,"output_tokens":1}}})"});
  EXPECT_EQ(start.response.usage->prompt_tokens, 9u);
  EXPECT_EQ(start.cached_prompt_tokens, 4u);
  EXPECT_EQ(e.parse_event({"content_block_delta", R"({"delta":{"type":"text_delta","text":"Hel"}})"}).response.content,
            "Hel");
  EXPECT_EQ(e.parse_event({"content_block_delta", R"({"delta":{"type":"thinking_delta","thinking":"hm"}})"})
                .response.reasoning_content,
            "hm");
  EXPECT_EQ(e.parse_event({"ping", R"({"type":"ping"})"}).response.content, "");
  EXPECT_EQ(e.parse_event({"message_delta", R"({"usage":{"output_tokens":6}})"}).response.usage->completion_tokens, 6u);
  EXPECT_TRUE(e.parse_event({"error", R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})"})
                  .server_error);
}

}  // namespace
}  // namespace aiperf::endpoints
