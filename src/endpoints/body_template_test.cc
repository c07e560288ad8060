// Request bodies from templates against the DOM path they replaced: the same bytes
// (and the same headers) for every templated endpoint type (chat, completions,
// embeddings, responses, huggingface_generate) and option mix.
#include "endpoints/body_template.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <random>

#include "endpoints/openai.h"
#include "endpoints/rankings.h"
#include "endpoints/responses.h"

namespace aiperf::endpoints {
namespace {

using nlohmann::json;

// An endpoint under test: its format_request and its DOM path.
struct Formatter {
  std::shared_ptr<Endpoint> endpoint;
  std::function<HttpRequestSpec(const RequestInput&)> with_dom;
};

template <typename E>
Formatter formatter(const json& config) {
  auto e = std::make_shared<E>(PluginConfig(config));
  return {e, [e](const RequestInput& input) { return e->format_request_with_dom(input); }};
}

constexpr int kTypes = 5;

Formatter make(int type, json config) {
  if (type == 4) {  // TGI puts extra fields under "parameters" and has no osl_exact
    config.erase("osl_exact");
    config.erase("extra");
    config["extra"] = {{"temperature", 0.5}, {"max_new_tokens", 3}};
  }
  if (type == 3) config.erase("osl_exact");
  switch (type) {
    case 0: return formatter<ChatEndpoint>(config);
    case 1: return formatter<CompletionsEndpoint>(config);
    case 2: return formatter<EmbeddingsEndpoint>(config);
    case 3: return formatter<ResponsesEndpoint>(config);
    default: return formatter<HuggingFaceGenerateEndpoint>(config);
  }
}

// Endpoint configs: none, osl_exact, extra fields (some overriding what the endpoint
// writes, some sorting before and after its keys), api key and headers.
std::vector<json> configs() {
  return {
      json::object(),
      {{"osl_exact", true}},
      {{"extra", {{"temperature", 0.5}, {"top_p", 1}, {"aaa", {1, "x"}}}}},
      {{"extra", {{"max_tokens", 7}, {"stream", false}, {"model", "pinned"}}}, {"osl_exact", true}},
      {{"extra", {{"messages", json::array()}, {"prompt", "fixed"}, {"input", nullptr}}}},
      {{"api_key", "sk-x"}, {"headers", {{"X-A", "1"}}}, {"extra", {{"ignore_eos", false}, {"n", 1}}}},
      {{"extra", {{"stream_options", {{"include_usage", false}}}, {"unicode", "\xc3\xa9\n\""}}}},
  };
}

std::string odd_text(std::mt19937_64& rng) {
  static const char* kPieces[] = {"hello", " ", "\"", "\\", "\n", "\x01", "\x7f", "\xc3\xa9", "\xf0\x9f\x98\x80",
                                  "{", "}", "[", "4294967291", "\x7f" "aiperf:content\x7f"};
  std::string s;
  for (std::size_t n = rng() % 6; n > 0; --n) s += kPieces[rng() % std::size(kPieces)];
  return s;
}

RequestInput random_input(std::mt19937_64& rng) {
  RequestInput input;
  input.model = rng() % 4 == 0 ? odd_text(rng) : "model-a";
  for (std::size_t n = rng() % 4; n > 0; --n) {
    static const char* kRoles[] = {"system", "user", "assistant"};
    input.messages.push_back({kRoles[rng() % 3], odd_text(rng)});
  }
  if (rng() % 3 != 0) input.max_tokens = static_cast<uint32_t>(rng() % 5 == 0 ? rng() : rng() % 4096);
  input.streaming = rng() % 2 == 0;
  input.request_id = rng() % 5 == 0 ? "" : "req-" + std::to_string(rng() % 1000);
  return input;
}

TEST(BodyTemplateTest, BytesEqualTheDomPathForEveryEndpointAndOptionMix) {
  std::mt19937_64 rng(16);
  for (int type = 0; type < kTypes; ++type) {
    for (const json& config : configs()) {
      const Formatter f = make(type, config);
      for (int i = 0; i < 2000; ++i) {
        const RequestInput input = random_input(rng);
        const HttpRequestSpec fast = f.endpoint->format_request(input);
        const HttpRequestSpec reference = f.with_dom(input);
        ASSERT_EQ(fast.body, reference.body) << "type " << type << " config " << config.dump();
        ASSERT_EQ(fast.path, reference.path);
        ASSERT_EQ(fast.method, reference.method);
        ASSERT_EQ(fast.headers, reference.headers);
      }
    }
  }
}

TEST(BodyTemplateTest, TextThatIsNotUtf8FailsAsTheDomPathDoes) {
  ChatEndpoint chat(PluginConfig(json::object()));
  RequestInput input;
  input.model = "m";
  input.messages = {{"user", "bad \xff"}};
  EXPECT_THROW(chat.format_request_with_dom(input), json::exception);
  EXPECT_THROW(chat.format_request(input), json::exception);
}

TEST(BodyTemplateTest, SplitsTheSentinelDumpIntoLiteralsAndHoles) {
  ChatEndpoint chat(PluginConfig(json{{"extra", {{"temperature", 0}}}}));
  const RequestInput sentinel = BodyTemplate::sentinel_input(true, true);
  const BodyTemplate t = BodyTemplate::parse(chat.format_request_with_dom(sentinel).body);
  RequestInput input;
  input.model = "m";
  input.messages = {{"system", "s"}, {"user", "u"}};
  input.max_tokens = 9;
  input.streaming = true;
  std::string body;
  ASSERT_TRUE(t.render(input, body));
  EXPECT_EQ(body, R"({"max_completion_tokens":9,"max_tokens":9,"messages":[{"content":"s","role":"system"},)"
                  R"({"content":"u","role":"user"}],"model":"m","stream":true,"stream_options":{"include_usage":true},)"
                  R"("temperature":0})");
}

TEST(BodyTemplateTest, ExtraFieldsHoldingASentinelAreDetected) {
  EXPECT_TRUE(BodyTemplate::contains_sentinel(R"({"seed":4294967291})"));
  EXPECT_FALSE(BodyTemplate::contains_sentinel(R"({"seed":42})"));
  // And the endpoint still formats them correctly, through the DOM path.
  CompletionsEndpoint completions(PluginConfig(json{{"extra", {{"seed", 4294967291u}}}}));
  RequestInput input;
  input.model = "m";
  input.messages = {{"user", "p"}};
  input.max_tokens = 3;
  EXPECT_EQ(completions.format_request(input).body, completions.format_request_with_dom(input).body);
}

}  // namespace
}  // namespace aiperf::endpoints
