#include "endpoints/openai.h"

#include <gtest/gtest.h>

namespace aiperf::endpoints {
namespace {

using nlohmann::json;

RequestInput chat_input(bool streaming) {
  RequestInput input;
  input.model = "m";
  input.messages = {{"user", "hello there"}};
  input.max_tokens = 16;
  input.streaming = streaming;
  input.request_id = "r-1";
  return input;
}

std::string header(const HttpRequestSpec& spec, std::string_view name) {
  for (const auto& [k, v] : spec.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

TEST(OpenAiEndpointTest, ChatStreamingRequestAsksForUsage) {
  ChatEndpoint chat(PluginConfig(json{{"api_key", "sk-1"}, {"extra", {{"ignore_eos", true}}}}));
  auto spec = chat.format_request(chat_input(true));
  EXPECT_EQ(spec.method, "POST");
  EXPECT_EQ(spec.path, "/v1/chat/completions");
  auto body = json::parse(spec.body);
  EXPECT_EQ(body["model"], "m");
  EXPECT_EQ(body["messages"][0]["content"], "hello there");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["max_tokens"], 16);
  EXPECT_EQ(body["max_completion_tokens"], 16) << "the chat API's current name for the limit";
  EXPECT_EQ(body["ignore_eos"], true);
  EXPECT_EQ(header(spec, "Authorization"), "Bearer sk-1");
  EXPECT_EQ(header(spec, "X-Request-Id"), "r-1");
  EXPECT_EQ(header(spec, "Accept"), "text/event-stream");
}

// inputs.json copies these bodies unchecked (JsonBodyEndpoint): every one must be valid JSON,
// whatever the text (escapes, control characters, non-ASCII; text that is not UTF-8 is refused).
TEST(OpenAiEndpointTest, EveryOpenAiEndpointPromisesAndSendsValidJsonBodies) {
  const ChatEndpoint chat{PluginConfig{}};
  const CompletionsEndpoint completions{PluginConfig{}};
  const EmbeddingsEndpoint embeddings{PluginConfig{}};
  for (const Endpoint* e : std::initializer_list<const Endpoint*>{&chat, &completions, &embeddings}) {
    EXPECT_NE(dynamic_cast<const JsonBodyEndpoint*>(e), nullptr);
    for (std::string text : {"plain", "a \"quote\" \\ and\n\t\x01\x1f", "caf\xc3\xa9 \xe2\x82\xac", "bad \xff utf-8"}) {
      RequestInput input = chat_input(false);
      input.messages = {{"system", text}, {"user", text}};
      input.model = text;
      try {
        const std::string body = e->format_request(input).body;
        EXPECT_TRUE(json::accept(body)) << body;
      } catch (const std::exception&) {
        EXPECT_EQ(text, "bad \xff utf-8") << "only text that is not UTF-8 may be refused";
      }
    }
  }
}

TEST(OpenAiEndpointTest, NonStreamingRequestOmitsStreamFields) {
  CompletionsEndpoint completions{PluginConfig{}};
  auto spec = completions.format_request(chat_input(false));
  auto body = json::parse(spec.body);
  EXPECT_EQ(spec.path, "/v1/completions");
  EXPECT_EQ(body["prompt"], "hello there");
  EXPECT_FALSE(body.contains("stream"));
  EXPECT_FALSE(body.contains("max_completion_tokens")) << "a chat-only field";
  EXPECT_EQ(header(spec, "Authorization"), "<absent>");
}

TEST(OpenAiEndpointTest, OslExactSendsMinTokensEqualToMaxTokensAndIgnoreEos) {
  for (bool chat : {true, false}) {
    PluginConfig config(json{{"osl_exact", true}});
    std::unique_ptr<Endpoint> endpoint;
    if (chat) endpoint = std::make_unique<ChatEndpoint>(config);
    else endpoint = std::make_unique<CompletionsEndpoint>(config);
    auto body = json::parse(endpoint->format_request(chat_input(true)).body);
    EXPECT_EQ(body["min_tokens"], 16);
    EXPECT_EQ(body["max_tokens"], 16);
    EXPECT_EQ(body["ignore_eos"], true);
    RequestInput unbounded = chat_input(true);
    unbounded.max_tokens.reset();
    EXPECT_FALSE(json::parse(endpoint->format_request(unbounded).body).contains("min_tokens"));
  }
  auto plain = json::parse(ChatEndpoint(PluginConfig{}).format_request(chat_input(true)).body);
  EXPECT_FALSE(plain.contains("min_tokens"));
  EXPECT_FALSE(plain.contains("ignore_eos"));
}

TEST(OpenAiEndpointTest, EmbeddingsNeverStream) {
  EmbeddingsEndpoint embeddings{PluginConfig{}};
  auto spec = embeddings.format_request(chat_input(true));
  auto body = json::parse(spec.body);
  EXPECT_EQ(body["input"], json::array({"hello there"}));
  EXPECT_FALSE(body.contains("stream"));
}

TEST(OpenAiEndpointTest, RejectsBadConfig) {
  EXPECT_THROW(ChatEndpoint(PluginConfig(json{{"api_kye", "x"}})), ConfigError);
  EXPECT_THROW(ChatEndpoint(PluginConfig(json{{"path", "v1/chat"}})), ConfigError);
  EXPECT_THROW(ChatEndpoint(PluginConfig(json{{"headers", {{"X", 1}}}})), ConfigError);
  EXPECT_THROW(ChatEndpoint(PluginConfig(json{{"extra", 3}})), ConfigError);
}

TEST(OpenAiParseTest, ChatDeltaContentAndReasoning) {
  auto r = parse_openai_payload(
      R"({"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi","reasoning_content":"think"},"finish_reason":null}]})");
  EXPECT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.content, "Hi");
  EXPECT_EQ(r.reasoning_content, "think");
  EXPECT_FALSE(r.usage);
  EXPECT_FALSE(r.done);
}

TEST(OpenAiParseTest, NullContentIsEmpty) {
  auto r = parse_openai_payload(R"({"choices":[{"delta":{"content":null}}]})");
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.content, "");
}

TEST(OpenAiParseTest, FinalUsageChunk) {
  auto r = parse_openai_payload(
      R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46,"completion_tokens_details":{"reasoning_tokens":5}}})");
  ASSERT_TRUE(r.usage);
  EXPECT_EQ(r.usage->prompt_tokens, 12u);
  EXPECT_EQ(r.usage->completion_tokens, 34u);
  EXPECT_EQ(r.usage->reasoning_tokens, 5u);
}

TEST(OpenAiParseTest, DoneMarker) {
  EXPECT_TRUE(parse_openai_payload("[DONE]").done);
  EXPECT_TRUE(parse_openai_payload(" [DONE]\n").done);
}

TEST(OpenAiParseTest, NonStreamingBodies) {
  auto chat = parse_openai_payload(
      R"({"choices":[{"message":{"role":"assistant","content":"a b c"}}],"usage":{"prompt_tokens":2,"completion_tokens":3}})");
  EXPECT_EQ(chat.content, "a b c");
  EXPECT_EQ(chat.usage->completion_tokens, 3u);
  auto completion = parse_openai_payload(R"({"choices":[{"text":"xyz","index":0}]})");
  EXPECT_EQ(completion.content, "xyz");
}

TEST(OpenAiParseTest, ServerErrorObject) {
  auto r = parse_openai_payload(R"({"error":{"message":"overloaded","code":429}})");
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("overloaded"), std::string::npos);
}

TEST(OpenAiParseTest, MalformedAndTruncatedJsonAreErrorsNotCrashes) {
  for (std::string_view bad :
       {"{not json", R"({"choices":[{"delta":{"content":"ab)", R"({"choices":[]} trailing)", "",
        "null", R"({"choices":{}})", "\xff\xfe"}) {
    auto r = parse_openai_payload(bad);
    EXPECT_TRUE(r.error) << "accepted: " << bad;
    EXPECT_TRUE(r.content.empty());
  }
}

TEST(OpenAiParseTest, EveryPrefixOfAChunkIsHandled) {
  std::string chunk =
      R"({"choices":[{"delta":{"content":"Hello \"quoted\" \u00e9"}}],"usage":null})";
  auto whole = parse_openai_payload(chunk);
  ASSERT_FALSE(whole.error) << *whole.error;
  EXPECT_EQ(whole.content, "Hello \"quoted\" \xc3\xa9");
  for (std::size_t n = 0; n < chunk.size(); ++n) {
    auto r = parse_openai_payload(std::string_view(chunk).substr(0, n));
    EXPECT_TRUE(r.error) << n;
  }
}

}  // namespace
}  // namespace aiperf::endpoints
