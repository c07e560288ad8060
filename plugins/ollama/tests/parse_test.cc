#include <gtest/gtest.h>

#include <memory>

#include <aiperf/sdk/plugin.h>

#include "ollama_endpoint.h"

namespace aiperf_plugins::ollama {
namespace {

// Lines as Ollama (and aiperf's mock server) send them.
const std::string kChatDelta =
    R"({"model":"llama3.2","created_at":"2024-07-01T10:00:00Z","message":{"role":"assistant","content":" bravo"},"done":false})";
const std::string kChatFinal =
    R"({"model":"llama3.2","created_at":"2024-07-01T10:00:01Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"length","total_duration":5043500667,"load_duration":5025959,"prompt_eval_count":26,"prompt_eval_duration":325953000,"eval_count":290,"eval_duration":4709213000})";
const std::string kGenerateDelta =
    R"({"model":"llama3.2","created_at":"2024-07-01T10:00:00Z","response":"The","done":false})";
const std::string kGenerateFinal =
    R"({"model":"llama3.2","created_at":"2024-07-01T10:00:01Z","response":"","done":true,"done_reason":"stop","context":[1,2,3],"prompt_eval_count":7,"eval_count":12})";

std::unique_ptr<aiperf::Endpoint> make(const char* api) {
  return std::make_unique<OllamaEndpoint>(aiperf::PluginConfig(nlohmann::json{{"api", api}}));
}

TEST(OllamaParseTest, ChatStreamLines) {
  auto chat = make("chat");
  auto delta = chat->parse_response(kChatDelta);
  EXPECT_FALSE(delta.error);
  EXPECT_EQ(delta.content, " bravo");
  EXPECT_FALSE(delta.done);
  EXPECT_FALSE(delta.usage);

  auto last = chat->parse_response(kChatFinal + "\r\n");
  EXPECT_FALSE(last.error);
  EXPECT_EQ(last.content, "");
  EXPECT_TRUE(last.done);
  ASSERT_TRUE(last.usage);
  EXPECT_EQ(last.usage->prompt_tokens, 26u);
  EXPECT_EQ(last.usage->completion_tokens, 290u);
  EXPECT_FALSE(last.usage->reasoning_tokens);
}

TEST(OllamaParseTest, GenerateStreamLines) {
  auto generate = make("generate");
  auto delta = generate->parse_response(kGenerateDelta);
  EXPECT_FALSE(delta.error);
  EXPECT_EQ(delta.content, "The");
  auto last = generate->parse_response(kGenerateFinal);
  EXPECT_TRUE(last.done);
  ASSERT_TRUE(last.usage);
  EXPECT_EQ(last.usage->prompt_tokens, 7u);
  EXPECT_EQ(last.usage->completion_tokens, 12u);
}

TEST(OllamaParseTest, WholeNonStreamedBodies) {
  auto chat = make("chat")->parse_response(
      R"({"model":"m","message":{"role":"assistant","content":"alpha bravo charlie"},"done":true,"prompt_eval_count":3,"eval_count":3})");
  EXPECT_FALSE(chat.error);
  EXPECT_EQ(chat.content, "alpha bravo charlie");
  EXPECT_TRUE(chat.done);
  EXPECT_EQ(chat.usage->completion_tokens, 3u);
  auto generate = make("generate")->parse_response("  {\"response\": \"alpha bravo\", \"done\": true}\n");
  EXPECT_FALSE(generate.error);
  EXPECT_EQ(generate.content, "alpha bravo");
}

TEST(OllamaParseTest, ThinkingIsReasoningContent) {
  auto chat = make("chat")->parse_response(R"({"message":{"role":"assistant","content":"","thinking":"hmm"},"done":false})");
  EXPECT_EQ(chat.reasoning_content, "hmm");
  auto generate = make("generate")->parse_response(R"({"response":"","thinking":"let me see","done":false})");
  EXPECT_EQ(generate.reasoning_content, "let me see");
}

TEST(OllamaParseTest, NullContentIsEmpty) {
  auto r = make("chat")->parse_response(R"({"message":{"role":"assistant","content":null},"done":false})");
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.content, "");
}

TEST(OllamaParseTest, ErrorObjectsBecomeErrors) {
  auto chat = make("chat");
  auto plain = chat->parse_response(R"({"error":"model 'x' not found, try pulling it first"})");
  ASSERT_TRUE(plain.error);
  EXPECT_EQ(*plain.error, "server error: model 'x' not found, try pulling it first");
  auto nested = chat->parse_response(R"({"error":{"message":"overloaded"}})");
  ASSERT_TRUE(nested.error);
  EXPECT_EQ(*nested.error, "server error: overloaded");
  auto odd = chat->parse_response(R"({"error":17})");
  ASSERT_TRUE(odd.error);
  EXPECT_EQ(*odd.error, "server error: 17");
  EXPECT_FALSE(chat->parse_response(R"({"error":null,"done":true})").error);
}

TEST(OllamaParseTest, MalformedPayloadsAreErrors) {
  auto chat = make("chat");
  for (std::string bad : {"", "   \n", "not json", "{\"id\": this line is not valid JSON", "[]", "42",
                          "\"text\"", "null", "{} {}", "{\"message\":{\"content\":\"a\"}}x"}) {
    auto r = chat->parse_response(bad);
    EXPECT_TRUE(r.error) << "accepted: " << bad;
    EXPECT_TRUE(r.content.empty()) << bad;
  }
}

TEST(OllamaParseTest, FieldsOfTheWrongTypeAreErrors) {
  auto chat = make("chat");
  auto generate = make("generate");
  EXPECT_TRUE(chat->parse_response(R"({"message":"hi"})").error);
  EXPECT_TRUE(chat->parse_response(R"({"message":{"content":5}})").error);
  EXPECT_TRUE(chat->parse_response(R"({"message":{"content":"a","thinking":[]}})").error);
  EXPECT_TRUE(chat->parse_response(R"({"done":"yes"})").error);
  EXPECT_TRUE(chat->parse_response(R"({"done":true,"eval_count":-1})").error);
  EXPECT_TRUE(chat->parse_response(R"({"done":true,"eval_count":1.5})").error);
  EXPECT_TRUE(chat->parse_response(R"({"done":true,"prompt_eval_count":"3"})").error);
  EXPECT_TRUE(generate->parse_response(R"({"response":{"text":"a"}})").error);
}

TEST(OllamaParseTest, EveryPrefixOfALineIsRejectedCleanly) {
  for (const char* api : {"chat", "generate"}) {
    auto endpoint = make(api);
    for (const auto& line : {kChatDelta, kChatFinal, kGenerateDelta, kGenerateFinal}) {
      EXPECT_FALSE(endpoint->parse_response(line).error) << api << ": " << line;
      for (std::size_t n = 0; n < line.size(); ++n) {
        auto r = endpoint->parse_response(std::string_view(line).substr(0, n));
        EXPECT_TRUE(r.error) << api << ": prefix of " << n << " bytes accepted: " << line.substr(0, n);
        EXPECT_TRUE(r.content.empty());
        EXPECT_FALSE(r.usage);
      }
    }
  }
}

TEST(OllamaParseTest, CorruptedBytesNeverThrow) {
  auto chat = make("chat");
  const std::string garbage = "\x00\xff{}[]\":,\\ \n\x80\xc3zu1e-";
  for (std::size_t i = 0; i < kChatFinal.size(); ++i) {
    for (char c : garbage) {
      std::string line = kChatFinal;
      line[i] = c;
      EXPECT_NO_THROW(chat->parse_response(line));
    }
  }
}

}  // namespace
}  // namespace aiperf_plugins::ollama
