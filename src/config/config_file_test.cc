#include "config/config_file.h"

#include "config/option_table.h"

#include <gtest/gtest.h>

#include <map>

#include "support/test_support.h"

namespace aiperf::config {
namespace {

struct Loaded {
  ProfileOptions options;
  std::vector<std::string> errors;
};

Loaded load(const std::string& yaml, std::map<std::string, std::string> env = {}) {
  static testing::TempDir dir;
  auto path = dir.path() / "benchmark.yaml";
  testing::write_file(path, yaml);
  Loaded l;
  auto errors = apply_config_file(path, l.options, [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
  for (const auto& e : errors) l.errors.push_back(e.describe());
  return l;
}

std::string all(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

TEST(ConfigFileTest, ReadsTheSeedDesignsExample) {
  auto l = load(R"(
endpoint:
  model: llama
  url: http://127.0.0.1:8000
  streaming: true
plugins:
  paths: [./my-plugins]
  phase_hooks:
    - name: logging
    - name: prometheus
      config: {endpoint: "http://127.0.0.1:9091", job: aiperf}
    - name: datadog
      config: {api_key: "${DATADOG_API_KEY}", tags: ["team:ml-perf"]}
  timing_strategy: {name: adaptive_rate, config: {initial_rate: 100, scale_factor: 1.5}}
  endpoint: {name: ollama}
  dataset_sampler: {name: weighted, config: {weights_by_file: {a.jsonl: 2}}}
benchmark:
  timing_mode: adaptive_rate
  concurrency: 10
  request_count: 50
)",
                {{"DATADOG_API_KEY", "dd-secret"}});
  ASSERT_TRUE(l.errors.empty()) << all(l.errors);
  const auto& o = l.options;
  EXPECT_EQ(o.model, "llama");
  EXPECT_TRUE(o.streaming);
  EXPECT_EQ(o.concurrency, 10u);
  EXPECT_EQ(o.request_count, 50u);
  ASSERT_EQ(o.phase_hooks.size(), 3u);
  EXPECT_EQ(o.phase_hooks[0], (HookSpec{"logging", nlohmann::json::object()}));
  EXPECT_EQ(o.phase_hooks[1].config["job"], "aiperf");
  EXPECT_EQ(o.phase_hooks[2].config["api_key"], "dd-secret");
  EXPECT_EQ(o.timing_strategy, "adaptive_rate");
  EXPECT_DOUBLE_EQ(o.timing_config["scale_factor"].get<double>(), 1.5);
  EXPECT_EQ(o.endpoint_type, "ollama");
  EXPECT_EQ(o.sampler, "weighted");
  ASSERT_EQ(o.plugin_paths.size(), 1u);
  EXPECT_TRUE(o.plugin_paths[0].ends_with("/my-plugins")) << o.plugin_paths[0];
  EXPECT_TRUE(std::filesystem::path(o.plugin_paths[0]).is_absolute());
}

TEST(ConfigFileTest, UnknownKeyNamesLineColumnAndSuggests) {
  auto l = load("benchmark:\n  concurency: 4\n");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_NE(l.errors[0].find("benchmark.yaml:2:3: unknown key 'benchmark.concurency' (did you mean 'concurrency'?)"),
            std::string::npos) << l.errors[0];
}

TEST(ConfigFileTest, WrongTypeNamesTheKey) {
  auto l = load("benchmark:\n  concurrency: ten\nendpoint:\n  streaming: maybe\n");
  ASSERT_EQ(l.errors.size(), 2u) << all(l.errors);
  EXPECT_NE(l.errors[0].find(":2:16: key 'concurrency' must be a non-negative integer, got 'ten'"), std::string::npos)
      << l.errors[0];
  EXPECT_NE(l.errors[1].find(":4:14: key 'streaming' must be true or false"), std::string::npos) << l.errors[1];
}

TEST(ConfigFileTest, EnvironmentVariablesExpandWithDefaults) {
  auto l = load("endpoint:\n  model: ${MODEL}\n  url: ${URL:-http://127.0.0.1:9}\nbenchmark:\n  concurrency: ${C:-3}\n",
                {{"MODEL", "m1"}});
  ASSERT_TRUE(l.errors.empty()) << all(l.errors);
  EXPECT_EQ(l.options.model, "m1");
  EXPECT_EQ(l.options.url, "http://127.0.0.1:9");
  EXPECT_EQ(l.options.concurrency, 3u);
}

TEST(ConfigFileTest, UnsetVariableIsAnErrorNamingIt) {
  auto l = load("endpoint:\n  api_key: ${OPENAI_API_KEY}\n");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_NE(l.errors[0].find(":2:12: environment variable OPENAI_API_KEY is not set"), std::string::npos)
      << l.errors[0];
}

TEST(ConfigFileTest, SyntaxErrorHasPosition) {
  auto l = load("endpoint:\n  model: [unclosed\n");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_NE(l.errors[0].find("benchmark.yaml:"), std::string::npos);
  EXPECT_NE(l.errors[0].find(":3:"), std::string::npos) << l.errors[0];
}

TEST(ConfigFileTest, SecretTypeErrorsDoNotEchoTheValue) {
  auto l = load("endpoint:\n  api_key: [sk-123]\n");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].find("sk-123"), std::string::npos) << l.errors[0];
}

TEST(ConfigFileTest, RedactsSecretsAtAnyDepth) {
  auto r = redact_secret_keys({{"api_key", "a"}, {"hooks", {{{"config", {{"auth_token", "t"}, {"job", "j"}}}}}},
                           {"headers", {{"Authorization", "Bearer x"}}}, {"empty_password", ""}});
  EXPECT_EQ(r["api_key"], "<redacted>");
  EXPECT_EQ(r["hooks"][0]["config"]["auth_token"], "<redacted>");
  EXPECT_EQ(r["hooks"][0]["config"]["job"], "j");
  EXPECT_EQ(r["headers"]["Authorization"], "<redacted>");
  EXPECT_EQ(r["empty_password"], "");
}

}  // namespace
}  // namespace aiperf::config
