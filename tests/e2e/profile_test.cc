// `aiperf profile` end to end: the real binary against the real mock server
// process, its results checked against the server's own ground-truth record.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "config/option_table.h"

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;
using testing::profile;

json server_records(const MockServerProcess& server) { return testing::mock_json(server, "/mock/records"); }


TEST(ProfileE2ETest, EveryFaultBecomesTheRightErrorRecordAndTheRunGoesOn) {
  MockServerProcess server({"--fast", "--random-seed", "7", "--fault", "http_500=10", "--fault",
                            "http_429=10", "--fault", "reset=10", "--fault", "stall=10", "--fault",
                            "malformed_sse=10", "--fault", "truncated_json=10"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--streaming --concurrency 8 --request-count 80 --isl 10 --osl 8 "
                     "--request-timeout-seconds 1 --max-error-rate 1");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), 80u);
  const auto& a = run.aggregate;
  EXPECT_EQ(a["request_count"]["avg"].get<int>() + a["error_request_count"]["avg"].get<int>(), 80);

  std::map<std::string, std::string> fault_of;
  for (const auto& r : server_records(server)) fault_of[r["request_id"]] = r["fault"];
  const std::map<std::string, std::pair<std::string, int>> expected = {
      {"none", {"", 0}},           {"http_500", {"http_status", 500}},
      {"http_429", {"http_status", 429}}, {"reset", {"io", 0}},
      {"stall", {"timeout", 0}},   {"malformed_sse", {"parse", 0}},
      {"truncated_json", {"parse", 0}}};
  std::map<std::string, int> seen;
  for (const auto& rec : run.records) {
    auto id = rec["metadata"]["x_request_id"].get<std::string>();
    ASSERT_TRUE(fault_of.count(id)) << id;
    const auto& fault = fault_of[id];
    ++seen[fault];
    const auto& [type, code] = expected.at(fault);
    if (type.empty()) {
      EXPECT_TRUE(rec["error"].is_null()) << id << ": " << rec["error"].dump();
      continue;
    }
    ASSERT_FALSE(rec["error"].is_null()) << id << " fault " << fault;
    EXPECT_EQ(rec["error"]["type"], type) << id << " fault " << fault << ": " << rec["error"].dump();
    if (code) {
      EXPECT_EQ(rec["error"]["code"], code);
    }
  }
  for (const auto& [fault, want] : expected) EXPECT_GT(seen[fault], 0) << "no request got " << fault;
  EXPECT_EQ(a["error_request_count"]["avg"].get<int>(), 80 - seen["none"]);
}

TEST(ProfileE2ETest, FailedRequestsFailTheRunUnlessAllowed) {
  MockServerProcess server({"--fast", "--error-rate", "50", "--random-seed", "1"});
  TempDir dir;
  auto strict = profile(server, dir, "--request-count 20");
  EXPECT_EQ(strict.result.exit_code, 1);
  EXPECT_NE(strict.result.err.find("above --max-error-rate 0"), std::string::npos) << strict.result.err;
  EXPECT_GT(strict.aggregate["error_request_count"]["avg"].get<int>(), 0);  // exports still written
  TempDir dir2;
  auto lenient = profile(server, dir2, "--request-count 20 --max-error-rate 0.9");
  EXPECT_EQ(lenient.result.exit_code, 0) << lenient.result.err;
}

TEST(ProfileE2ETest, NonStreamingEndpointsReportLatencyWithoutTtft) {
  MockServerProcess server({"--fast"});
  for (std::string type : {"completions", "embeddings", "chat"}) {
    TempDir dir;
    auto run = profile(server, dir, "--endpoint-type " + type + " --request-count 5 --osl 4");
    ASSERT_EQ(run.result.exit_code, 0) << type << ": " << run.result.err;
    EXPECT_TRUE(run.aggregate.contains("request_latency")) << type;
    EXPECT_FALSE(run.aggregate.contains("time_to_first_token")) << type;
    EXPECT_EQ(run.aggregate["request_count"]["avg"], 5) << type;
  }
}

TEST(ProfileE2ETest, BadInputStopsBeforeAnyRequestWithExitCode2) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  struct Case {
    std::string args, message;
  };
  testing::write_file(dir.path() / "trace.jsonl",
                      "{\"timestamp\": 0, \"input_length\": 5}\n{\"timestamp\": 1, \"input_length\": 5\n");
  for (const auto& c : std::vector<Case>{
           {"--request-count 1 --endpoint-type nope", "available: anthropic_messages, chat, completions, embeddings, huggingface_generate, rankings, responses"},
           {"--request-count 1 --concurrency 0", "--concurrency must be at least 1"},
           {"--request-count 1 --dataset-sampling-strategy nope", "no dataset_sampler implementation named 'nope'"},
           {"--request-count 1 --max-error-rate 2", "--max-error-rate must be between 0 and 1"},
           {"--request-count 1 --extra-inputs bad", "--extra-inputs must be key:value"},
           {"--request-count 1 --request-rate -5", "--request-rate must be a positive number"},
           {"--streaming", "say how long to run: --request-count N or --benchmark-duration SECONDS"},
           {"--request-count 1 --goodput ttft:5", "goodput metric 'ttft' is not supported"},
           {"--input-file '" + (dir.path() / "trace.jsonl").string() + "'", "trace.jsonl:2: not a JSON object"},
           {"--request-count 1 --timing-strategy nope", "no timing_strategy implementation named 'nope'"}}) {
    auto run = profile(server, dir, c.args);
    EXPECT_EQ(run.result.exit_code, 2) << c.args;
    EXPECT_NE(run.result.err.find(c.message), std::string::npos) << c.args << ": " << run.result.err;
  }
  auto tls_files = testing::run_aiperf("profile -m x -u https://127.0.0.1:1 --ui none --request-count 1 "
                                       "--ssl-ca-file /nonexistent/ca.pem");
  EXPECT_EQ(tls_files.exit_code, 2) << tls_files.err;
  EXPECT_NE(tls_files.err.find("ca.pem"), std::string::npos) << tls_files.err;
  auto stats = testing::mock_json(server, "/mock/stats");
  EXPECT_EQ(stats["requests"], 0);
}

TEST(ProfileE2ETest, ApiKeyIsSentButNeverWrittenToExports) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = profile(server, dir, "--request-count 2 --api-key sk-secret-123 -H 'Authorization:Bearer sk-secret-123'");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_EQ(run.aggregate["input_config"]["endpoint"]["api_key"], "<redacted>");
  for (const auto& file : {"profile_export_aiperf.json", "profile_export.jsonl", "profile_export_aiperf.csv"}) {
    std::ifstream in(dir.path() / file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find("sk-secret-123"), std::string::npos) << file;
  }
  EXPECT_EQ(run.result.out.find("sk-secret-123"), std::string::npos);
  EXPECT_EQ(run.result.err.find("sk-secret-123"), std::string::npos);
}

}  // namespace
}  // namespace aiperf

namespace aiperf {
namespace {

using testing::MockServerProcess;
using testing::TempDir;

// Issue 8: these aborted with "terminate called" (exit 134).
TEST(ProfileE2ETest, UnwritableJsonlOrDirectoryConfigExitsWithOneLineNotACrash) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "profile_export.jsonl.tmp");
  auto run = testing::profile(server, dir, "--request-count 2");
  EXPECT_EQ(run.result.exit_code, 2) << run.result.err;
  EXPECT_NE(run.result.err.find("error: "), std::string::npos) << run.result.err;
  EXPECT_EQ(run.result.err.find("terminate"), std::string::npos) << run.result.err;
  EXPECT_EQ(testing::mock_json(server, "/mock/stats")["requests"], 0);

  auto config = testing::run_aiperf("profile --config '" + dir.path().string() + "' --request-count 1");
  EXPECT_EQ(config.exit_code, 2) << config.err;
  EXPECT_NE(config.err.find("is a directory"), std::string::npos) << config.err;
}

TEST(ProfileE2ETest, EveryOptionAppearsInHelp) {
  auto help = testing::run_aiperf("profile --help");
  ASSERT_EQ(help.exit_code, 0);
  // Every entry of the option table, and --config.
  std::vector<std::string> flags = {"--config"};
  for (const auto& spec : config::option_table()) flags.emplace_back(spec.long_flag());
  for (const auto& flag : flags) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
}

TEST(ProfileE2ETest, InputConfigHasEveryLoadOption) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = testing::profile(server, dir, "--request-count 2 --arrival-smoothness 2.5");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const auto& b = run.aggregate["input_config"]["benchmark"];
  EXPECT_EQ(b["arrival_smoothness"], 2.5);  // was missing before the option table
  EXPECT_TRUE(b.contains("fixed_schedule"));
  EXPECT_TRUE(b.contains("fixed_schedule_start_offset"));
  EXPECT_TRUE(b.contains("fixed_schedule_end_offset"));
}

}  // namespace
}  // namespace aiperf
