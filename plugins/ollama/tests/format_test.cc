#include <gtest/gtest.h>

#include <memory>

#include <aiperf/sdk/plugin.h>

#include "ollama_endpoint.h"

// The exported factory (src/factory.cc), as the host would call it.
extern "C" int aiperf_ollama_endpoint(const aiperf_factory_args* args, aiperf_factory_result* result) noexcept;

namespace aiperf_plugins::ollama {
namespace {

using nlohmann::json;

std::unique_ptr<aiperf::Endpoint> make(json config = json::object()) {
  return std::make_unique<OllamaEndpoint>(aiperf::PluginConfig(std::move(config)));
}

aiperf::RequestInput input(bool streaming, std::optional<uint32_t> max_tokens = 32) {
  return {"llama3.2", {{"user", "why is the sky blue"}}, max_tokens, streaming, "run-7"};
}

std::string header(const aiperf::HttpRequestSpec& spec, const std::string& name) {
  for (const auto& [n, v] : spec.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

std::string config_error(json config) {
  try {
    make(std::move(config));
  } catch (const aiperf::ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(OllamaFormatTest, ChatRequestByDefault) {
  auto endpoint = make();
  EXPECT_EQ(endpoint->stream_framing(), aiperf::StreamFraming::kNdjson);
  auto spec = endpoint->format_request(input(true));
  EXPECT_EQ(spec.method, "POST");
  EXPECT_EQ(spec.path, "/api/chat");
  EXPECT_EQ(json::parse(spec.body),
            json::parse(R"({"model": "llama3.2", "messages": [{"role": "user", "content": "why is the sky blue"}],
                            "stream": true, "options": {"num_predict": 32}})"));
  EXPECT_EQ(header(spec, "Content-Type"), "application/json");
  EXPECT_EQ(header(spec, "X-Request-Id"), "run-7");
  EXPECT_EQ(header(spec, "Authorization"), "<absent>");
}

TEST(OllamaFormatTest, StreamIsAlwaysExplicitAndOptionsOnlyWhenNeeded) {
  auto spec = make()->format_request(input(false, std::nullopt));
  EXPECT_EQ(json::parse(spec.body),
            json::parse(R"({"model": "llama3.2", "messages": [{"role": "user", "content": "why is the sky blue"}],
                            "stream": false})"));
}

TEST(OllamaFormatTest, GenerateRequestTakesAPromptAndASystemField) {
  auto endpoint = make({{"api", "generate"}});
  aiperf::RequestInput in = input(false, 5);
  in.messages = {{"system", "be brief"}, {"user", "hello"}, {"user", "world"}};
  auto spec = endpoint->format_request(in);
  EXPECT_EQ(spec.path, "/api/generate");
  EXPECT_EQ(json::parse(spec.body), json::parse(R"({"model": "llama3.2", "prompt": "hello\nworld",
      "system": "be brief", "stream": false, "options": {"num_predict": 5}})"));
}

TEST(OllamaFormatTest, ConfigOptionsHeadersApiKeyAndExtraAreMerged) {
  auto endpoint = make({{"options", {{"temperature", 0}, {"num_predict", 999}, {"seed", 42}}},
                        {"headers", {{"X-Team", "perf"}}},
                        {"api_key", "sekrit"},
                        {"extra", {{"keep_alive", "5m"}}},
                        {"path", "/ollama/api/chat"}});
  auto spec = endpoint->format_request(input(true, 16));
  EXPECT_EQ(spec.path, "/ollama/api/chat");
  json body = json::parse(spec.body);
  // The request's max_tokens wins over a configured num_predict: the benchmark sets the length.
  EXPECT_EQ(body["options"], json::parse(R"({"temperature": 0, "num_predict": 16, "seed": 42})"));
  EXPECT_EQ(body["keep_alive"], "5m");
  EXPECT_EQ(header(spec, "X-Team"), "perf");
  EXPECT_EQ(header(spec, "Authorization"), "Bearer sekrit");
  // Without a max_tokens the configured num_predict stays.
  EXPECT_EQ(json::parse(endpoint->format_request(input(true, std::nullopt)).body)["options"]["num_predict"], 999);
}

TEST(OllamaFormatTest, InvalidUtf8InAPromptDoesNotThrow) {
  aiperf::RequestInput in = input(true);
  in.messages[0].content = std::string("bad \xff\xfe bytes");
  aiperf::HttpRequestSpec spec;
  EXPECT_NO_THROW(spec = make()->format_request(in));
  EXPECT_FALSE(json::parse(spec.body, nullptr, false).is_discarded());
}

TEST(OllamaFormatTest, ConfigIsValidated) {
  EXPECT_NE(config_error({{"api", "embed"}}).find("'api' must be 'chat' or 'generate'"), std::string::npos);
  EXPECT_NE(config_error({{"path", "api/chat"}}).find("'path' must start with '/'"), std::string::npos);
  EXPECT_NE(config_error({{"options", 3}}).find("'options' must be a mapping"), std::string::npos);
  EXPECT_NE(config_error({{"headers", {{"X-A", 1}}}}).find("header 'X-A' must be a string"), std::string::npos);
  EXPECT_NE(config_error({{"optoins", json::object()}}).find("did you mean 'options'"), std::string::npos);
  EXPECT_EQ(config_error({{"api", "generate"}, {"options", nullptr}}), "accepted");
}

TEST(OllamaFormatTest, FactoryBuildsItThroughTheCBoundary) {
  aiperf_factory_args args{sizeof(aiperf_factory_args), "endpoint", "ollama", R"({"api": "generate"})"};
  aiperf_factory_result result{};
  ASSERT_EQ(aiperf_ollama_endpoint(&args, &result), 0) << result.error;
  std::unique_ptr<aiperf::Endpoint> endpoint(static_cast<aiperf::Endpoint*>(result.instance));
  EXPECT_EQ(endpoint->format_request(input(true)).path, "/api/generate");

  args.config_json = R"({"api": "completions"})";
  EXPECT_NE(aiperf_ollama_endpoint(&args, &result), 0);
  EXPECT_NE(std::string(result.error).find("'api'"), std::string::npos);
  args.protocol = "dataset_sampler";
  EXPECT_NE(aiperf_ollama_endpoint(&args, &result), 0);
}

}  // namespace
}  // namespace aiperf_plugins::ollama
