#include "metrics/request_metrics.h"
#include "metrics/run_metrics.h"

#include <gtest/gtest.h>

namespace aiperf::metrics {
namespace {

constexpr int64_t kMs = 1'000'000;

Chunk text(int64_t t_ns, std::string content, std::string reasoning = {}) {
  Chunk c;
  c.timestamp_ns = t_ns;
  c.content = std::move(content);
  c.reasoning = std::move(reasoning);
  return c;
}

// A streamed request starting at 1000 ms: chunks at +50, +55, +61, +70 ms, then
// a usage-only chunk at +71 ms (no text), as OpenAI sends with include_usage.
RequestRecord streamed_with_usage() {
  RequestRecord r;
  r.request_id = "r1";
  r.streaming = true;
  r.start_ns = 1000 * kMs;
  r.responses = {text(1050 * kMs, "Hello"), text(1055 * kMs, " wor"), text(1061 * kMs, "ld"),
                 text(1070 * kMs, "!"), text(1071 * kMs, "")};
  r.end_ns = 1072 * kMs;
  r.usage = Usage{.prompt_tokens = 12, .completion_tokens = 4, .reasoning_tokens = std::nullopt};
  return r;
}

TEST(RequestMetrics, StreamedRequestFollowsAiperfDefinitions) {
  auto m = compute_request_metrics(streamed_with_usage());
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.time_to_first_token_ns, 50 * kMs);
  EXPECT_EQ(m.time_to_second_token_ns, 5 * kMs);
  EXPECT_EQ(m.request_latency_ns, 70 * kMs);  // last *content* chunk, not the usage-only one
  EXPECT_EQ(m.last_response_ns, 1070 * kMs);
  EXPECT_EQ(m.inter_chunk_latencies_ns, (std::vector<int64_t>{5 * kMs, 6 * kMs, 9 * kMs}));
  ASSERT_TRUE(m.inter_token_latency_ns);
  EXPECT_DOUBLE_EQ(*m.inter_token_latency_ns, (70.0 - 50.0) * kMs / 3);  // (latency - TTFT)/(OSL-1)
  ASSERT_TRUE(m.output_token_throughput_per_user);
  EXPECT_DOUBLE_EQ(*m.output_token_throughput_per_user, 1e9 / (20.0 * kMs / 3));  // 150 tokens/s
  EXPECT_EQ(m.output_sequence_length, 4);
  EXPECT_EQ(m.output_tokens_source, TokenSource::kReported);
  EXPECT_EQ(m.input_sequence_length, 12);
  EXPECT_EQ(m.input_tokens_source, TokenSource::kReported);
}

TEST(RequestMetrics, EmptyChunksBeforeFirstContentDoNotCountForTtft) {
  RequestRecord r;
  r.streaming = true;
  r.start_ns = 0;
  // Role-only delta and an empty keep-alive before the first text.
  r.responses = {text(10 * kMs, ""), text(20 * kMs, ""), text(30 * kMs, "a"), text(45 * kMs, "b")};
  r.usage = Usage{.prompt_tokens = std::nullopt, .completion_tokens = 2, .reasoning_tokens = std::nullopt};
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.time_to_first_token_ns, 30 * kMs);
  EXPECT_EQ(m.time_to_second_token_ns, 15 * kMs);
  EXPECT_EQ(m.inter_chunk_latencies_ns, (std::vector<int64_t>{15 * kMs}));
  EXPECT_DOUBLE_EQ(*m.inter_token_latency_ns, 15.0 * kMs);
}

TEST(RequestMetrics, ReasoningChunkCountsAsFirstToken) {
  RequestRecord r;
  r.streaming = true;
  r.responses = {text(7 * kMs, "", "thinking"), text(9 * kMs, "answer")};
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.time_to_first_token_ns, 7 * kMs);
  // Estimate: "thinking" 8 code points -> 2, "answer" 6 -> 2; OSL = content + reasoning.
  EXPECT_EQ(m.output_sequence_length, 4);
  EXPECT_EQ(m.output_tokens_source, TokenSource::kEstimated);
}

TEST(RequestMetrics, ZeroOutputTokensLeavesTokenMetricsUndefined) {
  RequestRecord r;
  r.streaming = true;
  r.start_ns = 0;
  r.responses = {text(5 * kMs, "")};  // only a usage chunk
  r.usage = Usage{.prompt_tokens = 3, .completion_tokens = 0, .reasoning_tokens = std::nullopt};
  auto m = compute_request_metrics(r);
  EXPECT_TRUE(m.ok);
  EXPECT_FALSE(m.time_to_first_token_ns);
  EXPECT_FALSE(m.time_to_second_token_ns);
  EXPECT_FALSE(m.inter_token_latency_ns);
  EXPECT_FALSE(m.output_token_throughput_per_user);
  EXPECT_TRUE(m.inter_chunk_latencies_ns.empty());
  EXPECT_EQ(m.request_latency_ns, 5 * kMs);  // falls back to the last chunk of any kind
  EXPECT_EQ(m.output_sequence_length, 0);
}

TEST(RequestMetrics, OneOutputTokenHasTtftButNoItl) {
  RequestRecord r;
  r.streaming = true;
  r.responses = {text(40 * kMs, "Hi")};
  r.usage = Usage{.prompt_tokens = 5, .completion_tokens = 1, .reasoning_tokens = std::nullopt};
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.time_to_first_token_ns, 40 * kMs);
  EXPECT_EQ(m.request_latency_ns, 40 * kMs);
  EXPECT_FALSE(m.time_to_second_token_ns);
  EXPECT_FALSE(m.inter_token_latency_ns);  // needs OSL >= 2
  EXPECT_FALSE(m.output_token_throughput_per_user);
}

TEST(RequestMetrics, ManyTokensInOneChunkHasNoItl) {
  // OSL >= 2 but a single content chunk: latency - TTFT = 0, so ITL would be a
  // meaningless 0 (and throughput per user infinite); AIPerf's docs require two chunks.
  RequestRecord r;
  r.streaming = true;
  r.responses = {text(40 * kMs, "all of it at once")};
  r.usage = Usage{.prompt_tokens = 5, .completion_tokens = 5, .reasoning_tokens = std::nullopt};
  auto m = compute_request_metrics(r);
  EXPECT_FALSE(m.inter_token_latency_ns);
  EXPECT_FALSE(m.output_token_throughput_per_user);
}

TEST(RequestMetrics, NonStreamingHasLatencyButNoStreamingMetrics) {
  RequestRecord r;
  r.streaming = false;
  r.start_ns = 100;
  r.responses = {text(100 + 250 * kMs, "The whole answer.")};
  r.usage = Usage{.prompt_tokens = 9, .completion_tokens = 4, .reasoning_tokens = std::nullopt};
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.request_latency_ns, 250 * kMs);
  EXPECT_FALSE(m.time_to_first_token_ns);
  EXPECT_FALSE(m.time_to_second_token_ns);
  EXPECT_FALSE(m.inter_token_latency_ns);
  EXPECT_FALSE(m.output_token_throughput_per_user);
  EXPECT_TRUE(m.inter_chunk_latencies_ns.empty());
  EXPECT_EQ(m.output_sequence_length, 4);
  EXPECT_EQ(m.input_sequence_length, 9);
}

TEST(RequestMetrics, MissingUsageEstimatesOutputAndUsesClientInputCount) {
  RequestRecord r;
  r.streaming = true;
  r.input_token_count = 128;
  // "Hello" (5) + " world" (6) + "!" (1) = 12 code points -> ceil(12/4) = 3 tokens.
  r.responses = {text(10 * kMs, "Hello"), text(20 * kMs, " world"), text(30 * kMs, "!")};
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.output_sequence_length, 3);
  EXPECT_EQ(m.output_tokens_source, TokenSource::kEstimated);
  EXPECT_EQ(m.input_sequence_length, 128);
  EXPECT_EQ(m.input_tokens_source, TokenSource::kClient);
  EXPECT_DOUBLE_EQ(*m.inter_token_latency_ns, 20.0 * kMs / 2);
}

TEST(RequestMetrics, NoUsageAndNoClientCountLeavesIslUndefined) {
  RequestRecord r;
  r.responses = {text(1, "x")};
  auto m = compute_request_metrics(r);
  EXPECT_FALSE(m.input_sequence_length);
  EXPECT_EQ(m.input_tokens_source, TokenSource::kNone);
}

TEST(RequestMetrics, PerChunkTokenCountsAreUsedWhenEveryContentChunkHasOne) {
  RequestRecord r;
  r.streaming = true;
  r.responses = {text(1 * kMs, "ab"), text(2 * kMs, "cd"), text(3 * kMs, "")};
  r.responses[0].token_count = 2;
  r.responses[1].token_count = 3;
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.output_sequence_length, 5);
  EXPECT_EQ(m.output_tokens_source, TokenSource::kReported);

  r.responses[1].token_count.reset();  // partial counts are not trusted
  m = compute_request_metrics(r);
  EXPECT_EQ(m.output_tokens_source, TokenSource::kEstimated);
}

TEST(RequestMetrics, FailedRequestHasNoMetricValues) {
  RequestRecord r = streamed_with_usage();
  r.error = RequestError{ErrorKind::kIo, std::nullopt, "connection reset by peer"};
  auto m = compute_request_metrics(r);
  EXPECT_FALSE(m.ok);
  ASSERT_TRUE(m.error);
  EXPECT_EQ(m.error->kind, ErrorKind::kIo);
  EXPECT_FALSE(m.time_to_first_token_ns);
  EXPECT_FALSE(m.request_latency_ns);
  EXPECT_FALSE(m.output_sequence_length);
}

TEST(RequestMetrics, NegativeIntervalsLeaveMetricsUndefined) {
  RequestRecord r;
  r.streaming = true;
  r.start_ns = 100 * kMs;
  r.responses = {text(50 * kMs, "a"), text(40 * kMs, "b")};  // before start, then backwards
  auto m = compute_request_metrics(r);
  EXPECT_FALSE(m.time_to_first_token_ns);
  EXPECT_FALSE(m.time_to_second_token_ns);
  EXPECT_FALSE(m.request_latency_ns);
  EXPECT_TRUE(m.inter_chunk_latencies_ns.empty());
  EXPECT_FALSE(m.inter_token_latency_ns);
}

TEST(EstimateTokens, IsCeilOfCodePointsOverFour) {
  EXPECT_EQ(estimate_tokens(""), 0);
  EXPECT_EQ(estimate_tokens("a"), 1);
  EXPECT_EQ(estimate_tokens("abcd"), 1);
  EXPECT_EQ(estimate_tokens("abcde"), 2);
  EXPECT_EQ(estimate_tokens("h\xC3\xA9llo"), 2);                 // "héllo": 5 code points, 6 bytes
  EXPECT_EQ(estimate_tokens("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"), 1);  // 3 CJK code points
}

TEST(ErrorKindNames, RoundTrip) {
  for (ErrorKind k : kAllErrorKinds) EXPECT_EQ(error_kind_from_name(error_kind_name(k)), k);
  EXPECT_EQ(error_kind_name(ErrorKind::kHttpStatus), "http_status");
  EXPECT_FALSE(error_kind_from_name("nope"));
  EXPECT_EQ(token_source_name(TokenSource::kEstimated), "estimated");
}

TEST(RequestMetrics, TlsHandshakeTimeComesFromTheTransportAndStaysOutOfTtft) {
  RequestRecord r;
  r.start_ns = 1'000'000;
  r.end_ns = 9'000'000;
  r.streaming = true;
  r.responses = {Chunk{4'000'000, "a", "", std::nullopt}};
  EXPECT_FALSE(compute_request_metrics(r).tls_handshake_time_ns);
  r.transport.tls_handshake_ns = 1'234'567;
  const RequestMetrics m = compute_request_metrics(r);
  ASSERT_TRUE(m.tls_handshake_time_ns);
  EXPECT_EQ(*m.tls_handshake_time_ns, 1'234'567);
  EXPECT_EQ(m.time_to_first_token_ns, 3'000'000);
}

}  // namespace
}  // namespace aiperf::metrics

namespace aiperf::metrics {
namespace {

TEST(RequestMetrics, ScheduleLagIsSendMinusScheduleEvenForFailures) {
  RequestRecord r;
  r.start_ns = 1'500'000;
  r.end_ns = 2'000'000;
  r.scheduled_ns = 1'000'000;
  r.error = RequestError{ErrorKind::kIo, {}, "reset"};
  auto m = compute_request_metrics(r);
  ASSERT_TRUE(m.schedule_lag_ns);
  EXPECT_EQ(*m.schedule_lag_ns, 500'000);
  RunMetrics run;
  run.add(m);
  EXPECT_EQ(run.distribution(MetricId::kScheduleLag).values().size(), 1u);
  RequestRecord unscheduled;
  unscheduled.start_ns = 5;
  EXPECT_FALSE(compute_request_metrics(unscheduled).schedule_lag_ns);
}

}  // namespace
}  // namespace aiperf::metrics

namespace aiperf::metrics {
namespace {

// Reasoning first (3 chunks from +30 ms), then content from +80 ms.
RequestRecord reasoning_then_content() {
  RequestRecord r;
  r.streaming = true;
  r.start_ns = 0;
  r.responses = {text(30 * kMs, "", "a b"), text(40 * kMs, "", "c"), text(50 * kMs, "", "d"),
                 text(80 * kMs, "hello"), text(90 * kMs, "there")};
  r.input_token_count = 60;
  return r;
}

TEST(RequestMetrics, FirstOutputTokenSkipsReasoningAndReasoningStaysOutOfOutputCount) {
  RequestRecord r = reasoning_then_content();
  r.usage = Usage{.prompt_tokens = 60, .completion_tokens = 9, .reasoning_tokens = 4};
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.time_to_first_token_ns, 30 * kMs);
  EXPECT_EQ(m.time_to_first_output_token_ns, 80 * kMs);
  EXPECT_EQ(m.reasoning_token_count, 4);
  EXPECT_EQ(m.reasoning_tokens_source, TokenSource::kReported);
  EXPECT_EQ(m.output_sequence_length, 9);
  EXPECT_EQ(m.output_token_count, 5);
  ASSERT_TRUE(m.prefill_throughput_per_user);
  EXPECT_DOUBLE_EQ(*m.prefill_throughput_per_user, 60.0 / 0.030);
}

TEST(RequestMetrics, ReasoningIsCountedWhenUsageDoesNotSayAndOnlyWhenThereIsAny) {
  auto m = compute_request_metrics(reasoning_then_content());
  EXPECT_EQ(m.reasoning_token_count, estimate_tokens("a bcd"));
  EXPECT_EQ(m.reasoning_tokens_source, TokenSource::kEstimated);
  EXPECT_EQ(*m.output_token_count + *m.reasoning_token_count, *m.output_sequence_length);
  auto plain = compute_request_metrics(streamed_with_usage());
  EXPECT_FALSE(plain.reasoning_token_count);
  EXPECT_EQ(plain.output_token_count, plain.output_sequence_length);
  EXPECT_EQ(plain.time_to_first_output_token_ns, plain.time_to_first_token_ns);
}

TEST(RequestMetrics, EndpointWithoutTextHasNoOutputTokenMetrics) {
  RequestRecord r;
  r.start_ns = 0;
  r.end_ns = 5 * kMs;
  r.responses = {text(5 * kMs, "")};
  r.usage = Usage{.prompt_tokens = 8, .completion_tokens = std::nullopt, .reasoning_tokens = std::nullopt};
  r.generates_text = false;
  r.cached_prompt_tokens = 3;
  r.http_status = 200;
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.request_latency_ns, 5 * kMs);
  EXPECT_EQ(m.input_sequence_length, 8);
  EXPECT_FALSE(m.output_sequence_length);
  EXPECT_FALSE(m.output_token_count);
  EXPECT_EQ(m.cached_prompt_tokens, 3);
  EXPECT_EQ(m.http_status, 200);
  RunMetrics run;
  run.add(m);
  EXPECT_FALSE(run.result(MetricId::kOutputTokenThroughput));
  EXPECT_FALSE(run.result(MetricId::kOutputSequenceLength));
  EXPECT_TRUE(run.result(MetricId::kUsagePromptCacheReadTokens));
}

TEST(RunMetrics, OutputThroughputExcludesReasoningAndEstimatesAreFlagged) {
  RequestRecord r = reasoning_then_content();
  r.usage = Usage{.prompt_tokens = 60, .completion_tokens = 9, .reasoning_tokens = 4};
  RunMetrics run;
  run.add(r);
  EXPECT_EQ(run.total_output_tokens(), 9);
  EXPECT_EQ(run.total_non_reasoning_output_tokens(), 5);
  EXPECT_DOUBLE_EQ(*run.output_token_throughput(), 5 / 0.090);  // duration: start to last content at 90 ms
  EXPECT_FALSE(run.estimated(MetricId::kOutputSequenceLength));

  RunMetrics estimated;
  estimated.add(reasoning_then_content());  // no usage
  EXPECT_TRUE(estimated.estimated(MetricId::kOutputSequenceLength));
  EXPECT_TRUE(estimated.estimated(MetricId::kInterTokenLatency));
  EXPECT_FALSE(estimated.estimated(MetricId::kTimeToFirstToken));
}

TEST(RunMetrics, HttpStatusCountsIncludeSuccessesAndMerge) {
  RequestRecord ok = reasoning_then_content();
  ok.http_status = 200;
  RequestRecord failed;
  failed.http_status = 429;
  failed.error = RequestError{ErrorKind::kHttpStatus, 429, "slow down"};
  RunMetrics a, b;
  a.add(ok);
  a.add(failed);
  b.add(ok);
  a.merge(b);
  EXPECT_EQ(a.http_status_counts(), (std::map<int, int64_t>{{200, 2}, {429, 1}}));
}

}  // namespace
}  // namespace aiperf::metrics
