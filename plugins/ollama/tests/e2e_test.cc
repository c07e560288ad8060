// endpoint:ollama through the real, installed aiperf against the mock server's
// Ollama routes: what aiperf measured must match what the server recorded.
#include <gtest/gtest.h>

#include <map>

#include "common/testing/process.h"

namespace {

using nlohmann::json;
using plugin_test::run;

const std::string kAiperf = AIPERF_EXECUTABLE;
const std::string kMock = AIPERF_MOCK_SERVER_EXECUTABLE;
const std::string kPluginDir = PLUGIN_BUILD_DIR;

struct Profile {
  plugin_test::CommandResult result;
  std::vector<json> records;  // profile_export.jsonl
  json aggregate;             // profile_export_aiperf.json
  json truth;                 // the mock server's GET /mock/records
};

Profile profile(const std::string& name, const std::vector<std::string>& mock_args,
                const std::vector<std::string>& extra) {
  plugin_test::MockServer server(kMock, mock_args);
  auto dir = plugin_test::fresh_temp_dir("ollama-" + name);
  std::vector<std::string> args{kAiperf, "--plugin-path", kPluginDir, "profile", "-m", "llama3.2",
                                "-u", server.url(), "--endpoint-type", "ollama", "--concurrency", "4",
                                "--request-count", "24", "--isl", "10", "--osl", "8", "--ui", "none",
                                "--artifact-dir", dir.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  Profile p;
  p.result = run(args);
  if (std::filesystem::exists(dir / "profile_export.jsonl")) p.records = plugin_test::read_jsonl(dir / "profile_export.jsonl");
  if (std::filesystem::exists(dir / "profile_export_aiperf.json")) p.aggregate = plugin_test::read_json(dir / "profile_export_aiperf.json");
  p.truth = server.get_json("/mock/records");
  return p;
}

double metric(const json& record, const char* tag) {
  const auto& m = record["metrics"];
  return m.contains(tag) ? m[tag]["value"].get<double>() : -1;
}

// Every request succeeded, hit `route`, and aiperf's token counts equal the server's.
void expect_matches_truth(const Profile& p, const std::string& route, bool streaming) {
  ASSERT_EQ(p.result.exit_code, 0) << p.result.output;
  ASSERT_EQ(p.records.size(), 24u) << p.result.output;
  ASSERT_EQ(p.truth.size(), 24u);
  EXPECT_EQ(p.aggregate["request_count"]["avg"].get<double>(), 24);
  std::map<std::string, json> by_id;
  for (const auto& t : p.truth) {
    EXPECT_EQ(t["route"], route);
    EXPECT_EQ(t["stream"], streaming);
    EXPECT_EQ(t["status"], 200);
    EXPECT_EQ(t["planned_tokens"], 8);
    by_id[t["request_id"].get<std::string>()] = t;
  }
  uint64_t aiperf_out = 0, truth_out = 0, aiperf_in = 0, truth_in = 0;
  for (const auto& r : p.records) {
    ASSERT_TRUE(r["error"].is_null()) << r.dump();
    auto id = r["metadata"]["x_request_id"].get<std::string>();
    ASSERT_TRUE(by_id.count(id)) << "the server never saw " << id;
    const json& t = by_id[id];
    EXPECT_EQ(metric(r, "output_sequence_length"), t["completion_tokens"].get<double>()) << r.dump();
    EXPECT_EQ(metric(r, "input_sequence_length"), t["prompt_tokens"].get<double>()) << r.dump();
    EXPECT_EQ(r["metrics"]["output_sequence_length"]["source"], "reported") << r.dump();
    if (streaming) {
      EXPECT_GT(metric(r, "time_to_first_token"), 0) << r.dump();
    }
    aiperf_out += static_cast<uint64_t>(metric(r, "output_sequence_length"));
    aiperf_in += static_cast<uint64_t>(metric(r, "input_sequence_length"));
    truth_out += t["completion_tokens"].get<uint64_t>();
    truth_in += t["prompt_tokens"].get<uint64_t>();
  }
  EXPECT_EQ(aiperf_out, truth_out);
  EXPECT_EQ(aiperf_in, truth_in);
  EXPECT_EQ(truth_out, 24u * 8u);
}

TEST(OllamaE2eTest, PluginsCheckLoadsAndConstructsIt) {
  auto ok = run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "endpoint:ollama", "--config",
                 R"({"api": "generate", "options": {"temperature": 0}})"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  auto bad = run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "endpoint:ollama", "--config",
                  R"({"api": "embeddings"})"});
  EXPECT_NE(bad.exit_code, 0) << bad.output;
  EXPECT_NE(bad.output.find("'api' must be 'chat' or 'generate'"), std::string::npos) << bad.output;
}

TEST(OllamaE2eTest, StreamingChatMatchesTheServersRecords) {
  auto p = profile("chat-stream", {"--ttft", "5", "--itl", "1"}, {"--streaming"});
  expect_matches_truth(p, "/api/chat", true);
  EXPECT_GT(p.aggregate["time_to_first_token"]["avg"].get<double>(), 4.0);
}

TEST(OllamaE2eTest, NonStreamingChatMatchesTheServersRecords) {
  auto p = profile("chat-whole", {"--fast"}, {});
  expect_matches_truth(p, "/api/chat", false);
}

TEST(OllamaE2eTest, StreamingGenerateMatchesTheServersRecords) {
  if (!plugin_test::profile_supports(kAiperf, "--endpoint-config")) {
    GTEST_SKIP() << "this aiperf has no --endpoint-config";
  }
  auto p = profile("generate-stream", {"--ttft", "5", "--itl", "1"},
                   {"--streaming", "--endpoint-config", R"({"api": "generate"})"});
  expect_matches_truth(p, "/api/generate", true);
}

TEST(OllamaE2eTest, AMalformedLineFailsItsRequestNotTheRun) {
  // Every stream carries one line that is not JSON: each request is an error, nothing crashes.
  auto p = profile("malformed", {"--fast", "--fault", "malformed_sse=100"},
                   {"--streaming", "--max-error-rate", "1"});
  EXPECT_EQ(p.result.exit_code, 0) << p.result.output;
  ASSERT_EQ(p.records.size(), 24u) << p.result.output;
  for (const auto& r : p.records) {
    ASSERT_FALSE(r["error"].is_null()) << r.dump();
    EXPECT_NE(r["error"]["message"].get<std::string>().find("malformed Ollama response"), std::string::npos)
        << r.dump();
  }
}

}  // namespace
