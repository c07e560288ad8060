// New metrics and endpoints against the mock server's injected ground truth
// (timing-sensitive: label `timing`, run alone).
#include <gtest/gtest.h>

#include <algorithm>

#include "e2e/e2e_support.h"

namespace aiperf::testing {
namespace {

double median_of(const std::vector<nlohmann::json>& records, const char* tag) {
  std::vector<double> v;
  for (const auto& r : records) {
    if (r["metrics"].contains(tag)) v.push_back(r["metrics"][tag]["value"].get<double>());
  }
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Truth: reasoning tokens at 30, 40, 50, 60, 70 ms, the first output token at 80 ms.
TEST(StreamsTruthTest, ReasoningMetricsMatchInjectedTruthForBothDeltaShapes) {
  for (std::string field : {"reasoning_content", "reasoning"}) {
    MockServerProcess server({"--ttft", "30", "--itl", "10", "--reasoning-field", field,
                              "--cached-prompt-tokens", "7"});
    TempDir dir;
    auto run = profile(server, dir, "--streaming --request-count 5 --osl 10 --extra-inputs reasoning:true");
    ASSERT_EQ(run.result.exit_code, 0) << field << ": " << run.result.err;
    EXPECT_NEAR(median_of(run.records, "time_to_first_token"), 30.0, 1.0) << field;
    EXPECT_NEAR(median_of(run.records, "time_to_first_output_token"), 80.0, 1.0) << field;
    EXPECT_EQ(run.records[0]["metrics"]["reasoning_token_count"]["value"], 5) << field;
    EXPECT_EQ(run.records[0]["metrics"]["reasoning_token_count"]["source"], "reported") << field;
    EXPECT_EQ(run.records[0]["metrics"]["output_token_count"]["value"], 5) << field;
    EXPECT_EQ(run.aggregate["usage_prompt_cache_read_tokens"]["avg"], 7) << field;
    // Prefill throughput is ISL / TTFT of the same request.
    const auto& m = run.records[0]["metrics"];
    EXPECT_NEAR(m["prefill_throughput_per_user"]["value"].get<double>(),
                m["input_sequence_length"]["value"].get<double>() / (m["time_to_first_token"]["value"].get<double>() / 1e3),
                1e-6);
    // Output throughput keeps reasoning out: 5 of the 10 tokens per request.
    const double duration = run.aggregate["benchmark_duration"]["avg"].get<double>();
    EXPECT_NEAR(run.aggregate["output_token_throughput"]["avg"].get<double>(), 5 * 5 / duration, 1e-6);
    EXPECT_EQ(run.aggregate["http_status_counts"]["200"], 5);
  }
}

// Both typed-event endpoints end to end: TTFT and ITL from the typed deltas, OSL from their usage.
TEST(StreamsTruthTest, TypedEventEndpointsAreTimedFromTheirDeltas) {
  MockServerProcess server({"--ttft", "20", "--itl", "5"});
  for (std::string type : {"responses", "anthropic_messages"}) {
    TempDir dir;
    auto run = profile(server, dir, "--endpoint-type " + type + " --streaming --request-count 4 --osl 8");
    ASSERT_EQ(run.result.exit_code, 0) << type << ": " << run.result.err;
    EXPECT_NEAR(median_of(run.records, "time_to_first_token"), 20.0, 1.0) << type;
    EXPECT_NEAR(median_of(run.records, "inter_token_latency"), 5.0, 1.0) << type;
    EXPECT_EQ(run.records[0]["metrics"]["output_sequence_length"]["value"], 8) << type;
    EXPECT_EQ(run.records[0]["metrics"]["output_sequence_length"]["source"], "reported") << type;
    TempDir dir2;
    auto plain = profile(server, dir2, "--endpoint-type " + type + " --request-count 2 --osl 8");
    ASSERT_EQ(plain.result.exit_code, 0) << type << ": " << plain.result.err;
    EXPECT_EQ(plain.records[0]["metrics"]["output_sequence_length"]["value"], 8) << type;
  }
}

}  // namespace
}  // namespace aiperf::testing

namespace aiperf::testing {
namespace {

TEST(StreamsTruthTest, RankingsAndTgiEndToEnd) {
  MockServerProcess server({"--ttft", "15", "--itl", "5"});
  for (std::string format : {"cohere", "tei", "nim"}) {
    TempDir dir;
    auto run = profile(server, dir, "--endpoint-type rankings --request-count 3 --endpoint-config "
                                    "'{\"format\":\"" + format + "\",\"passages_mean\":4}'");
    ASSERT_EQ(run.result.exit_code, 0) << format << ": " << run.result.err;
    // The mock answers a rerank at its TTFT: never sooner; later only by load on this machine.
    const double latency = run.aggregate["request_latency"]["p50"].get<double>();
    EXPECT_GE(latency, 15.0) << format;
    EXPECT_LT(latency, 40.0) << format;
    EXPECT_FALSE(run.aggregate.contains("output_sequence_length")) << format;
  }
  TempDir dir;
  auto tgi = profile(server, dir, "--endpoint-type huggingface_generate --streaming --request-count 3 --osl 6");
  ASSERT_EQ(tgi.result.exit_code, 0) << tgi.result.err;
  EXPECT_NEAR(median_of(tgi.records, "time_to_first_token"), 15.0, 1.0);
  EXPECT_NEAR(median_of(tgi.records, "inter_token_latency"), 5.0, 1.0);
  EXPECT_EQ(tgi.records[0]["metrics"]["output_sequence_length"]["value"], 6);
  EXPECT_EQ(tgi.records[0]["metrics"]["output_sequence_length"]["source"], "reported");
}

}  // namespace
}  // namespace aiperf::testing
