// `aiperf profile` against peers that reproduce issue 11's cases byte for
// byte: a raw-socket server (ScriptedServer) or the mock server.
#include <gtest/gtest.h>

#include "base/utf8.h"
#include "e2e/e2e_support.h"
#include "e2e/scripted_server.h"

namespace aiperf::testing {
namespace {

std::string args_for(const ScriptedServer& server, const TempDir& dir) {
  return "profile -m mock -u " + server.base_url() + " --ui none --artifact-dir '" + dir.path().string() + "' ";
}

ProfileRun profile(const ScriptedServer& server, const TempDir& dir, const std::string& args) {
  return read_run(dir, run_aiperf(args_for(server, dir) + args));
}

std::string chunk(std::string_view delta) {
  return "data: {\"choices\":[{\"index\":0,\"delta\":" + std::string(delta) + "}]}\n\n";
}

// A chat stream of `n` content tokens, `gap_ms` apart, as timed writes after the head.
std::vector<ScriptedWrite> token_stream(int n, int gap_ms, std::string_view tail) {
  std::vector<ScriptedWrite> writes{{0, close_delimited("text/event-stream", "")}};
  for (int i = 0; i < n; ++i) writes.push_back({i == 0 ? 0 : gap_ms, chunk(R"({"content":"tok"})")});
  writes.push_back({0, std::string(tail)});
  return writes;
}

TEST(StreamsE2ETest, ServerErrorTextThatIsNotUtf8StillGivesEveryExport) {
  std::string cjk;
  for (int i = 0; i < 150; ++i) cjk += "\xE9\x94\x99";  // 450 bytes of 3-byte characters
  for (std::string body : {cjk, std::string("erreur: donn\xE9" "es invalides"), std::string("\x1F\x8B\x08\x00\xFF\xFE")}) {
    ScriptedServer server({{0, close_delimited("text/plain", body, 500)}});
    TempDir dir;
    auto run = profile(server, dir, "--request-count 3");
    EXPECT_EQ(run.result.exit_code, 1) << run.result.err;  // failed requests, not failed exports
    EXPECT_EQ(run.result.err.find("writing exports failed"), std::string::npos) << run.result.err;
    ASSERT_TRUE(run.aggregate.is_object()) << run.result.err;
    EXPECT_EQ(run.aggregate["error_request_count"]["avg"], 3);
    ASSERT_EQ(run.records.size(), 3u);
    const std::string message = run.records[0]["error"]["message"];
    EXPECT_EQ(valid_utf8(message), message);
    EXPECT_FALSE(slurp(dir.path() / "profile_export_aiperf.csv").empty());
  }
}

TEST(StreamsE2ETest, TrailingEventWithoutBlankLineIsDispatchedAtEof) {
  for (std::string tail : {"data: [DONE]\n", "data: [DONE]"}) {
    ScriptedServer server(token_stream(4, 5, tail));
    TempDir dir;
    auto run = profile(server, dir, "--streaming --request-count 2");
    EXPECT_EQ(run.result.exit_code, 0) << run.result.err;
    EXPECT_EQ(run.aggregate["request_count"]["avg"], 2);
    EXPECT_TRUE(run.aggregate.contains("time_to_first_token"));
  }
  // The last content event itself without its blank line is not lost either.
  std::vector<ScriptedWrite> writes{{0, close_delimited("text/event-stream", chunk(R"({"content":"a"})"))},
                                    {10, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"}}]}"}};
  ScriptedServer server(writes);
  TempDir dir;
  auto run = profile(server, dir, "--streaming --request-count 1");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_EQ(run.records[0]["metrics"]["inter_chunk_latency"]["value"].size(), 1u);
}

TEST(StreamsE2ETest, ToolCallDeltasAreTimedOutput) {
  std::vector<ScriptedWrite> writes{{0, close_delimited("text/event-stream", "")}};
  writes.push_back({20, chunk(R"({"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"get_weather","arguments":""}}]})")});
  for (int i = 0; i < 4; ++i) writes.push_back({10, chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"c\":1}"}}]})")});
  writes.push_back({0, "data: [DONE]\n\n"});
  ScriptedServer server(writes);
  TempDir dir;
  auto run = profile(server, dir, "--streaming --request-count 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const auto& m = run.records[0]["metrics"];
  ASSERT_TRUE(m.contains("time_to_first_token")) << m.dump();
  EXPECT_GE(m["time_to_first_token"]["value"].get<double>(), 19.0);
  ASSERT_TRUE(m.contains("inter_token_latency")) << m.dump();
  EXPECT_EQ(m["inter_chunk_latency"]["value"].size(), 4u);
  EXPECT_GT(m["output_sequence_length"]["value"].get<int>(), 0);
}

TEST(StreamsE2ETest, NullChoicesIsAnEmptyChunk) {
  std::string usage = "data: {\"choices\":null,\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n";
  ScriptedServer server(token_stream(2, 5, usage + "data: [DONE]\n\n"));
  TempDir dir;
  auto run = profile(server, dir, "--streaming --request-count 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_EQ(run.records[0]["metrics"]["output_sequence_length"]["value"], 2);
  EXPECT_EQ(run.records[0]["metrics"]["output_sequence_length"]["source"], "reported");
}

TEST(StreamsE2ETest, SecondChoiceIsRefusedNotMistimed) {
  MockServerProcess mock({"--fast"});
  TempDir dir;
  auto refused = aiperf::testing::profile(mock, dir, "--streaming --request-count 1 --extra-inputs n:2");
  EXPECT_EQ(refused.result.exit_code, 2);
  EXPECT_NE(refused.result.err.find("n > 1 is not supported"), std::string::npos) << refused.result.err;

  // A server that sends a second choice anyway fails the request with the reason.
  ScriptedServer server({{0, close_delimited("text/event-stream", chunk(R"({"content":"a"})") +
                                                 "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"b\"}}]}\n\n" +
                                                 "data: [DONE]\n\n")}});
  TempDir dir2;
  auto run = profile(server, dir2, "--streaming --request-count 1");
  EXPECT_EQ(run.result.exit_code, 1);
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_NE(run.records[0]["error"]["message"].get<std::string>().find("n > 1"), std::string::npos);
}

TEST(StreamsE2ETest, EstimatedTokenCountsAreMarkedWhereverShown) {
  ScriptedServer server(token_stream(5, 5, "data: [DONE]\n\n"));  // no usage: counts are estimates
  TempDir dir;
  auto run = profile(server, dir, "--streaming --request-count 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const std::string csv = slurp(dir.path() / "profile_export_aiperf.csv");
  EXPECT_NE(csv.find("Output Sequence Length (tokens, estimated)"), std::string::npos) << csv;
  EXPECT_NE(csv.find("Inter Token Latency (ms, estimated)"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("Time to First Token (ms, estimated)"), std::string::npos) << csv;
  EXPECT_NE(run.result.out.find("Output Sequence Length (tokens, estimated)"), std::string::npos) << run.result.out;
  EXPECT_EQ(run.aggregate["output_sequence_length"]["estimated"], true);

  MockServerProcess mock({"--fast"});  // reports usage: nothing is marked
  TempDir dir2;
  auto exact = aiperf::testing::profile(mock, dir2, "--streaming --request-count 2");
  ASSERT_EQ(exact.result.exit_code, 0) << exact.result.err;
  EXPECT_EQ(slurp(dir2.path() / "profile_export_aiperf.csv").find("estimated"), std::string::npos);
}

TEST(StreamsE2ETest, MidStreamErrorEventHasItsOwnKindAndTheServersMessage) {
  ScriptedServer server(token_stream(2, 5, "data: {\"error\":{\"message\":\"KV cache exhausted\",\"code\":503}}\n\n"));
  TempDir dir;
  auto run = profile(server, dir, "--streaming --request-count 2");
  EXPECT_EQ(run.result.exit_code, 1);
  EXPECT_EQ(run.aggregate["errors_by_kind"]["server_error_event"], 2) << run.aggregate["errors_by_kind"].dump();
  EXPECT_EQ(run.records[0]["error"]["type"], "server_error_event");
  EXPECT_NE(run.records[0]["error"]["message"].get<std::string>().find("KV cache exhausted"), std::string::npos);
  EXPECT_EQ(run.aggregate["http_status_counts"]["200"], 2);
}

TEST(StreamsE2ETest, EmbeddingsShowOnlyMetricsThatApplyAndNeverParseSse) {
  MockServerProcess mock({"--fast"});
  TempDir dir;
  auto run = aiperf::testing::profile(mock, dir, "--endpoint-type embeddings --streaming --request-count 3");
  if (run.result.exit_code == 2) {  // the CLI refuses the combination (Endpoint::can_stream)
    EXPECT_NE(run.result.err.find("stream"), std::string::npos) << run.result.err;
  } else {
    ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
    EXPECT_EQ(run.aggregate["request_count"]["avg"], 3);
  }
  TempDir dir2;
  auto plain = aiperf::testing::profile(mock, dir2, "--endpoint-type embeddings --request-count 3");
  ASSERT_EQ(plain.result.exit_code, 0) << plain.result.err;
  EXPECT_TRUE(plain.aggregate.contains("request_latency"));
  EXPECT_TRUE(plain.aggregate.contains("input_sequence_length"));
  for (const char* tag : {"output_sequence_length", "output_token_throughput", "inter_token_latency"}) {
    EXPECT_FALSE(plain.aggregate.contains(tag)) << tag;
  }
  EXPECT_EQ(plain.result.out.find("Output Sequence Length"), std::string::npos) << plain.result.out;
  EXPECT_EQ(plain.result.out.find("Output Token Throughput"), std::string::npos) << plain.result.out;
}

}  // namespace
}  // namespace aiperf::testing
