// `aiperf profile --config benchmark.yaml` and `aiperf config validate`, end to end.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;
using testing::slurp;

int server_requests(const MockServerProcess& server) {
  return testing::mock_json(server, "/mock/stats")["requests"].get<int>();
}

TEST(ConfigE2ETest, FileDrivesTheRunAndFlagsOverrideIt) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto events = dir.path() / "events.jsonl";
  testing::write_file(dir.path() / "benchmark.yaml", R"(
endpoint:
  model: ${MODEL_NAME:-config-model}
  url: ${MOCK_URL}
  streaming: true
benchmark:
  concurrency: 2
  request_count: 50
input:
  osl: 4
output:
  ui: none
plugins:
  paths: [fixture-plugins]
  phase_hooks:
    - name: recorder
      config: {path: ")" + events.string() + R"("}
)");
  std::filesystem::create_directory_symlink(testing::fixture_dir("recorder"), dir.path() / "fixture-plugins");
  auto r = testing::run_aiperf("profile --config '" + (dir.path() / "benchmark.yaml").string() +
                                   "' --request-count 5 --artifact-dir '" + dir.path().string() + "/out'",
                               "MOCK_URL=" + server.base_url());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(slurp(dir.path() / "out" / "profile_export_aiperf.json"));
  EXPECT_EQ(doc["request_count"]["avg"], 5);  // the flag beat the file's 50
  // input_config uses the config file's keys (so it reads back as a config file).
  EXPECT_EQ(doc["input_config"]["endpoint"]["model"], "config-model");
  EXPECT_EQ(doc["input_config"]["plugins"]["phase_hooks"][0]["name"], "recorder");
  ASSERT_EQ(doc["plugins_loaded"].size(), 1u);
  EXPECT_EQ(doc["plugins_loaded"][0]["package"], "aiperf-fixture-recorder");
  EXPECT_NE(slurp(events).find("\"phase\":\"profiling\""), std::string::npos);
  EXPECT_EQ(server_requests(server), 5);
}

TEST(ConfigE2ETest, EachConfigErrorGivesOneClearMessageAndExit2BeforeAnyRequest) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto file = dir.path() / "b.yaml";
  struct Case {
    std::string yaml, message;
  };
  std::string head = "endpoint:\n  model: m\n  url: " + server.base_url() + "\nbenchmark:\n  request_count: 2\n";
  for (const auto& c : std::vector<Case>{
           {head + "  concurency: 2\n", "b.yaml:6:3: unknown key 'benchmark.concurency' (did you mean 'concurrency'?)"},
           {head + "  concurrency: many\n", "b.yaml:6:16: key 'concurrency' must be a non-negative integer, got 'many'"},
           {head + "input:\n  osl: ${NOT_SET_ANYWHERE}\n", "environment variable NOT_SET_ANYWHERE is not set"},
           {head + "plugins:\n  endpoint: {name: nope}\n",
            "no endpoint implementation named 'nope'; available: anthropic_messages, chat, completions, embeddings, huggingface_generate, rankings, responses"},
           {head + "plugins:\n  dataset_sampler: {name: random, config: {sead: 1}}\n",
            "dataset_sampler:random: factory failed: unknown key 'sead'"}}) {
    testing::write_file(file, c.yaml);
    auto r = testing::run_aiperf("profile --ui none --config '" + file.string() + "'");
    EXPECT_EQ(r.exit_code, 2) << c.yaml;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.yaml << "\n---\n" << r.err;
    auto v = testing::run_aiperf("config validate '" + file.string() + "'");
    EXPECT_EQ(v.exit_code, c.message.find("factory failed") != std::string::npos ? 0 : 2) << c.yaml << v.err;
  }
  EXPECT_EQ(server_requests(server), 0);
}

TEST(ConfigE2ETest, SecretsNeverAppearInLogsOrExports) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  testing::write_file(dir.path() / "b.yaml", "endpoint:\n  model: m\n  url: " + server.base_url() +
                                                 "\n  api_key: ${SECRET_KEY}\n  headers: {X-Api-Token: tok-999-secret}\n"
                                                 "benchmark:\n  request_count: 3\n  concurrency: ten\n");
  // A config error must not echo the secret either.
  auto bad = testing::run_aiperf("profile --config '" + (dir.path() / "b.yaml").string() + "'",
                                 "SECRET_KEY=sk-777-secret");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.find("sk-777-secret"), std::string::npos) << bad.err;
  std::string text = slurp(dir.path() / "b.yaml");
  text.replace(text.find("ten"), 3, "1");
  testing::write_file(dir.path() / "b.yaml", text);
  auto r = testing::run_aiperf("profile --config '" + (dir.path() / "b.yaml").string() + "' --artifact-dir '" +
                                   dir.path().string() + "/out'",
                               "SECRET_KEY=sk-777-secret");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& secret : {"sk-777-secret", "tok-999-secret"}) {
    EXPECT_EQ(r.out.find(secret), std::string::npos);
    EXPECT_EQ(r.err.find(secret), std::string::npos);
    for (const auto& f : {"profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl"}) {
      EXPECT_EQ(slurp(dir.path() / "out" / f).find(secret), std::string::npos) << f << " leaks " << secret;
    }
  }
  auto doc = json::parse(slurp(dir.path() / "out" / "profile_export_aiperf.json"));
  EXPECT_EQ(doc["input_config"]["endpoint"]["api_key"], "<redacted>");
  EXPECT_EQ(doc["input_config"]["endpoint"]["headers"]["X-Api-Token"], "<redacted>");
}

}  // namespace
}  // namespace aiperf
