// Token counts and lengths end to end: the real aiperf against the real mock
// server. Client-side output counts when the server sends no usage (checked
// against the reference HuggingFace library), --use-server-token-count,
// --osl-exact (min_tokens + ignore_eos against a mock that stops early at EOS),
// and inputs.json against what the mock received. Tests that need the npm
// tokenizer data skip with a message when it is absent (scripts/fetch-test-data.sh).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "e2e/e2e_support.h"
#include "tokenizer/testing/test_data.h"

namespace aiperf::testing {
namespace {

using nlohmann::json;

std::filesystem::path llama3() { return tokenizer::testing::lenml_tokenizer("llama3"); }

#define REQUIRE_LLAMA3()                                                                    \
  if (!std::filesystem::exists(llama3())) {                                                 \
    GTEST_SKIP() << "test data absent (" << llama3() << "): run scripts/fetch-test-data.sh"; \
  }

// The mock's answer text to a chat request for `tokens` tokens (deterministic, the same streamed or not).
std::string mock_text(const MockServerProcess& server, int tokens) {
  json body = {{"model", "mock"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"max_tokens", tokens}};
  auto r = http_post(server.port(), "/v1/chat/completions", body.dump());
  return json::parse(r.body)["choices"][0]["message"]["content"].get<std::string>();
}

// The reference library's (npm `tokenizers`, HF's Rust code) count of `text`, no special tokens.
int64_t reference_count(const std::string& text) {
  if (run_shell("command -v node >/dev/null").exit_code != 0) return -1;
  TempDir dir;
  auto prompts = dir.path() / "texts.jsonl";
  std::ofstream(prompts) << json(text).dump() << "\n";
  auto data = tokenizer::testing::test_data_modules().parent_path();
  auto r = run_shell("timeout 60 node '" AIPERF_SOURCE_DIR "/src/tokenizer/testing/count.mjs' '" + data.string() +
                     "' '" + llama3().string() + "' '" + prompts.string() + "'");
  if (r.exit_code != 0) return -1;
  return std::stoll(r.out);
}

const json& osl(const json& record) { return record["metrics"]["output_sequence_length"]; }

TEST(TokensE2ETest, OutputIsCountedByTheTokenizerWhenTheServerSendsNoUsage) {
  REQUIRE_LLAMA3();
  MockServerProcess server({"--fast", "--no-usage"});
  EXPECT_FALSE(json::parse(http_post(server.port(), "/v1/completions", R"({"model":"m","prompt":"x"})").body)
                   .contains("usage"));
  const int64_t expected = reference_count(mock_text(server, 30));
  if (expected < 0) GTEST_SKIP() << "node or the npm tokenizers package is absent";
  TempDir dir;
  auto run = profile(server, dir, "--streaming --concurrency 4 --request-count 40 --isl 20 --osl 30 --tokenizer '" +
                                      llama3().string() + "' --use-server-token-count");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), 40u);
  for (const auto& r : run.records) {
    EXPECT_EQ(osl(r)["value"].get<int64_t>(), expected) << r.dump();
    EXPECT_EQ(osl(r)["source"], "client");
    EXPECT_TRUE(r["metrics"].contains("inter_token_latency")) << "ITL needs an OSL";
  }
  EXPECT_EQ(run.aggregate["token_count_sources"]["output_sequence_length"]["client"], 40);
  EXPECT_FALSE(run.aggregate["output_sequence_length"].contains("estimated"));
  EXPECT_DOUBLE_EQ(run.aggregate["output_sequence_length"]["avg"].get<double>(), static_cast<double>(expected));
}

TEST(TokensE2ETest, ServerUsageCountsOnlyWithUseServerTokenCount) {
  REQUIRE_LLAMA3();
  MockServerProcess server({"--fast"});
  const std::string base = "--streaming --request-count 10 --isl 20 --osl 30 --tokenizer '" + llama3().string() + "' ";
  TempDir server_dir;
  auto server_counts = profile(server, server_dir, base + "--use-server-token-count");
  ASSERT_EQ(server_counts.result.exit_code, 0) << server_counts.result.err;
  for (const auto& r : server_counts.records) {
    EXPECT_EQ(osl(r)["value"], 30);  // the mock's usage: 30 of its tokens
    EXPECT_EQ(osl(r)["source"], "reported");
  }
  TempDir client_dir;
  auto client_counts = profile(server, client_dir, base);  // the default, as AIPerf: the tokenizer counts
  ASSERT_EQ(client_counts.result.exit_code, 0) << client_counts.result.err;
  for (const auto& r : client_counts.records) {
    EXPECT_EQ(osl(r)["source"], "client");
    EXPECT_NE(osl(r)["value"], 30) << "llama3 splits the mock's 30 words into more tokens";
    EXPECT_EQ(r["metrics"]["input_sequence_length"]["source"], "client");
    EXPECT_EQ(r["metrics"]["input_sequence_length"]["value"], 20);
  }
}

TEST(TokensE2ETest, OslExactGetsEveryOutputToExactlyOslTokens) {
  MockServerProcess server({"--fast", "--eos-after", "5"});
  TempDir early_dir;
  auto early = profile(server, early_dir, "--streaming --request-count 10 --osl 40 --use-server-token-count");
  ASSERT_EQ(early.result.exit_code, 0) << early.result.err;
  for (const auto& r : early.records) EXPECT_LT(osl(r)["value"].get<int>(), 40) << "the mock should stop at EOS";

  TempDir dir;
  auto run = profile(server, dir, "--streaming --concurrency 4 --request-count 30 --osl 40 --osl-stddev 10 "
                                  "--osl-exact --use-server-token-count");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), 30u);
  std::map<std::string, int> asked;  // request id -> max_tokens sent
  std::ifstream in(dir.path() / "inputs.json");
  const json inputs = json::parse(in);
  for (const auto& entry : inputs["data"]) {
    const auto& payload = entry["payloads"][0];
    EXPECT_EQ(payload["min_tokens"], payload["max_tokens"]);
    EXPECT_EQ(payload["ignore_eos"], true);
    asked[entry["session_id"]] = payload["max_tokens"];
  }
  std::map<std::string, int> delivered;
  const json records = mock_json(server, "/mock/records");
  for (const auto& r : records) delivered[r["request_id"]] = r["completion_tokens"];
  for (const auto& r : run.records) {
    const std::string id = r["metadata"]["x_request_id"];
    ASSERT_TRUE(asked.count(id)) << id;
    EXPECT_EQ(delivered[id], asked[id]) << id;
    EXPECT_EQ(osl(r)["value"], asked[id]) << id;
  }
}

// Whitespace-separated words: the mock's tokenizer.
int words(const std::string& text) {
  std::istringstream in(text);
  int n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

TEST(TokensE2ETest, InputsJsonHoldsEveryPayloadTheServerReceived) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = profile(server, dir, "--streaming --concurrency 3 --request-count 25 --num-dataset-entries 7 "
                                  "--isl 40 --isl-stddev 10 --osl 12 --osl-stddev 4 --warmup-request-count 3");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  std::ifstream in(dir.path() / "inputs.json");
  ASSERT_TRUE(in) << "no inputs.json";
  const json inputs = json::parse(in);
  ASSERT_EQ(inputs["data"].size(), 25u) << "profiling requests only (no warmup)";
  std::map<std::string, json> received;
  const json records = mock_json(server, "/mock/records");
  for (const auto& r : records) received[r["request_id"]] = r;
  for (const auto& entry : inputs["data"]) {
    const std::string id = entry["session_id"];
    ASSERT_TRUE(received.count(id)) << id << " was never received";
    const auto& payload = entry["payloads"][0];
    const auto& seen = received[id];
    EXPECT_EQ(payload["model"], seen["model"]);
    EXPECT_EQ(payload["max_tokens"], seen["planned_tokens"]) << id;
    int prompt_words = 0;
    for (const auto& m : payload["messages"]) prompt_words += words(m["content"]);
    EXPECT_EQ(prompt_words, seen["prompt_tokens"]) << id;
    EXPECT_EQ(payload["stream"], seen["stream"]);
  }
}

}  // namespace
}  // namespace aiperf::testing
