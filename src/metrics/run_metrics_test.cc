#include "metrics/run_metrics.h"

#include <gtest/gtest.h>

#include <malloc.h>

#include <iostream>
#include <random>

namespace aiperf::metrics {
namespace {

constexpr int64_t kMs = 1'000'000;

// Streamed request: starts at `start`, first token after `ttft`, then `tokens-1`
// more chunks `itl` apart, one token each, server usage reported.
RequestRecord streamed(int64_t start, int64_t ttft, int64_t itl, int tokens, int64_t prompt = 10) {
  RequestRecord r;
  r.streaming = true;
  r.start_ns = start;
  for (int i = 0; i < tokens; ++i) {
    Chunk c;
    c.timestamp_ns = start + ttft + i * itl;
    c.content = "tok ";
    r.responses.push_back(c);
  }
  r.end_ns = r.responses.empty() ? start : r.responses.back().timestamp_ns + 1;
  r.usage = Usage{.prompt_tokens = static_cast<uint64_t>(prompt),
                  .completion_tokens = static_cast<uint64_t>(tokens),
                  .reasoning_tokens = std::nullopt};
  return r;
}

RequestRecord failed(ErrorKind kind, std::optional<int> status = std::nullopt) {
  RequestRecord r;
  r.start_ns = 5 * kMs;
  r.end_ns = 6 * kMs;
  r.error = RequestError{kind, status, "boom"};
  return r;
}

TEST(MetricInfo, TagsHeadersAndUnitsMatchAiperfExport) {
  struct Want {
    MetricId id;
    const char* tag;
    const char* header;
    const char* unit;
  };
  const Want want[] = {
      {MetricId::kTimeToFirstToken, "time_to_first_token", "Time to First Token", "ms"},
      {MetricId::kTimeToSecondToken, "time_to_second_token", "Time to Second Token", "ms"},
      {MetricId::kRequestLatency, "request_latency", "Request Latency", "ms"},
      {MetricId::kInterTokenLatency, "inter_token_latency", "Inter Token Latency", "ms"},
      {MetricId::kInterChunkLatency, "inter_chunk_latency", "Inter Chunk Latency", "ms"},
      {MetricId::kOutputTokenThroughputPerUser, "output_token_throughput_per_user",
       "Output Token Throughput Per User", "tokens/sec/user"},
      {MetricId::kOutputSequenceLength, "output_sequence_length", "Output Sequence Length", "tokens"},
      {MetricId::kInputSequenceLength, "input_sequence_length", "Input Sequence Length", "tokens"},
      {MetricId::kTimeToFirstOutputToken, "time_to_first_output_token", "Time to First Output Token", "ms"},
      {MetricId::kPrefillThroughputPerUser, "prefill_throughput_per_user", "Prefill Throughput Per User",
       "tokens/sec/user"},
      {MetricId::kReasoningTokenCount, "reasoning_token_count", "Reasoning Token Count", "tokens"},
      {MetricId::kUsagePromptCacheReadTokens, "usage_prompt_cache_read_tokens", "Usage Prompt Cache Read Tokens",
       "tokens"},
      {MetricId::kScheduleLag, "schedule_lag", "Schedule Lag", "ms"},
      {MetricId::kTlsHandshakeTime, "tls_handshake_time", "TLS Handshake Time", "ms"},
      {MetricId::kServerQueueTime, "server_queue_time", "Server Queue Time", "ms"},
      {MetricId::kServerPrefillTime, "server_prefill_time", "Server Prefill Time", "ms"},
      {MetricId::kServerDecodeTime, "server_decode_time", "Server Decode Time", "ms"},
      {MetricId::kNetworkClientOverhead, "network_client_overhead", "Network + Client Overhead", "ms"},
      {MetricId::kRequestThroughput, "request_throughput", "Request Throughput", "requests/sec"},
      {MetricId::kOutputTokenThroughput, "output_token_throughput", "Output Token Throughput", "tokens/sec"},
      {MetricId::kTotalTokenThroughput, "total_token_throughput", "Total Token Throughput", "tokens/sec"},
      {MetricId::kRequestCount, "request_count", "Request Count", "requests"},
      {MetricId::kErrorRequestCount, "error_request_count", "Error Request Count", "requests"},
      {MetricId::kBenchmarkDuration, "benchmark_duration", "Benchmark Duration", "sec"},
  };
  ASSERT_EQ(std::size(want), kMetricCount);
  for (const Want& w : want) {
    const MetricInfo& info = metric_info(w.id);
    EXPECT_EQ(info.tag, w.tag);
    EXPECT_EQ(info.header, w.header);
    EXPECT_EQ(info.unit, w.unit);
    EXPECT_EQ(metric_from_tag(w.tag), w.id);
  }
  EXPECT_FALSE(metric_from_tag("ttft"));
}

TEST(RunMetrics, AggregatesTwoRequestsWithAiperfFormulas) {
  RunMetrics run;
  run.add(streamed(0, 50 * kMs, 5 * kMs, 11));         // latency 100 ms, ITL 5 ms
  run.add(streamed(20 * kMs, 30 * kMs, 10 * kMs, 6));  // latency 80 ms, ITL 10 ms, ends at 100 ms
  EXPECT_EQ(run.request_count(), 2);
  EXPECT_EQ(run.error_request_count(), 0);
  EXPECT_EQ(run.benchmark_duration_ns(), 100 * kMs);  // last content chunk (100 ms) - first start (0)
  EXPECT_DOUBLE_EQ(*run.request_throughput(), 2 / 0.1);
  EXPECT_EQ(run.total_output_tokens(), 17);
  EXPECT_EQ(run.total_input_tokens(), 20);
  EXPECT_DOUBLE_EQ(*run.output_token_throughput(), 17 / 0.1);
  EXPECT_DOUBLE_EQ(*run.total_token_throughput(), 37 / 0.1);

  auto ttft = run.result(MetricId::kTimeToFirstToken).value();
  ASSERT_TRUE(ttft.stats);
  EXPECT_EQ(ttft.stats->count, 2);
  EXPECT_DOUBLE_EQ(ttft.stats->avg, 40.0);  // ms
  EXPECT_DOUBLE_EQ(ttft.stats->min, 30.0);
  EXPECT_DOUBLE_EQ(ttft.stats->max, 50.0);
  EXPECT_DOUBLE_EQ(ttft.stats->std, 10.0);

  auto itl = run.result(MetricId::kInterTokenLatency).value();
  EXPECT_DOUBLE_EQ(itl.stats->avg, 7.5);
  auto per_user = run.result(MetricId::kOutputTokenThroughputPerUser).value();
  EXPECT_DOUBLE_EQ(per_user.stats->min, 100.0);  // 1 / 10 ms
  EXPECT_DOUBLE_EQ(per_user.stats->max, 200.0);  // 1 / 5 ms
  auto icl = run.result(MetricId::kInterChunkLatency).value();
  EXPECT_EQ(icl.stats->count, 10 + 5);

  auto duration = run.result(MetricId::kBenchmarkDuration).value();
  ASSERT_TRUE(duration.value);
  EXPECT_DOUBLE_EQ(*duration.value, 0.1);  // sec
  EXPECT_FALSE(duration.stats);
  EXPECT_EQ(run.output_tokens_from(TokenSource::kReported), 2);
}

TEST(RunMetrics, FailedRequestsAreCountedByKindButExcludedFromLatencies) {
  RunMetrics run;
  run.add(streamed(0, 10 * kMs, 1 * kMs, 3));
  run.add(failed(ErrorKind::kHttpStatus, 500));
  run.add(failed(ErrorKind::kHttpStatus, 429));
  run.add(failed(ErrorKind::kHttpStatus, 500));
  run.add(failed(ErrorKind::kTimeout));
  EXPECT_EQ(run.request_count(), 1);
  EXPECT_EQ(run.error_request_count(), 4);
  EXPECT_EQ(run.error_count(ErrorKind::kHttpStatus), 3);
  EXPECT_EQ(run.error_count(ErrorKind::kTimeout), 1);
  EXPECT_EQ(run.error_count(ErrorKind::kConnect), 0);
  EXPECT_EQ(run.errors_by_http_status().at(500), 2);
  EXPECT_EQ(run.errors_by_http_status().at(429), 1);
  EXPECT_EQ(run.distribution(MetricId::kRequestLatency).size(), 1u);
  EXPECT_EQ(run.distribution(MetricId::kTimeToFirstToken).size(), 1u);
  EXPECT_EQ(run.benchmark_duration_ns(), 12 * kMs);
  EXPECT_DOUBLE_EQ(run.result(MetricId::kErrorRequestCount)->value.value(), 4);
}

TEST(RunMetrics, AllRequestsFailedReportsOnlyCounts) {
  RunMetrics run;
  run.add(failed(ErrorKind::kConnect));
  run.add(failed(ErrorKind::kConnect));
  EXPECT_EQ(run.request_count(), 0);
  EXPECT_EQ(run.error_request_count(), 2);
  EXPECT_FALSE(run.benchmark_duration_ns());
  EXPECT_FALSE(run.request_throughput());
  EXPECT_FALSE(run.output_token_throughput());
  std::vector<MetricId> ids;
  for (const auto& r : run.results()) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<MetricId>{MetricId::kRequestCount, MetricId::kErrorRequestCount}));
  EXPECT_DOUBLE_EQ(run.result(MetricId::kRequestCount)->value.value(), 0);
}

TEST(RunMetrics, NonStreamingRunHasNoStreamingMetrics) {
  RunMetrics run;
  RequestRecord r = streamed(0, 200 * kMs, 0, 1);
  r.streaming = false;
  r.usage->completion_tokens = 40;
  run.add(r);
  EXPECT_FALSE(run.result(MetricId::kTimeToFirstToken));
  EXPECT_FALSE(run.result(MetricId::kInterTokenLatency));
  EXPECT_FALSE(run.result(MetricId::kOutputTokenThroughputPerUser));
  EXPECT_DOUBLE_EQ(run.result(MetricId::kRequestLatency)->stats->avg, 200.0);
  EXPECT_DOUBLE_EQ(run.result(MetricId::kOutputSequenceLength)->stats->avg, 40.0);
}

TEST(RunMetrics, EstimatedTokenCountsAreLabelled) {
  RunMetrics run;
  RequestRecord r = streamed(0, 1 * kMs, 1 * kMs, 4);
  r.usage.reset();
  r.input_token_count = 50;
  run.add(r);
  run.add(streamed(0, 1 * kMs, 1 * kMs, 4));
  EXPECT_EQ(run.output_tokens_from(TokenSource::kEstimated), 1);
  EXPECT_EQ(run.output_tokens_from(TokenSource::kReported), 1);
  EXPECT_EQ(run.input_tokens_from(TokenSource::kClient), 1);
  EXPECT_EQ(run.input_tokens_from(TokenSource::kReported), 1);
}

TEST(RunMetrics, MergeOfTwoHalvesEqualsWhole) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> ms(1, 200);
  std::uniform_int_distribution<int> tokens(0, 40);
  std::uniform_int_distribution<int> fail(0, 9);
  RunMetrics whole;
  RunMetrics a;
  RunMetrics b;
  for (int i = 0; i < 500; ++i) {
    RequestRecord r = fail(rng) == 0
                          ? failed(static_cast<ErrorKind>(i % kErrorKindCount), 500 + i % 3)
                          : streamed(ms(rng) * kMs * 10, ms(rng) * kMs, ms(rng) * kMs / 10, tokens(rng), ms(rng));
    if (i % 4 == 1) r.usage.reset();  // some estimated counts
    whole.add(r);
    (i % 2 == 0 ? a : b).add(r);
  }
  RunMetrics merged = b;
  merged.merge(a);
  EXPECT_EQ(merged.request_count(), whole.request_count());
  EXPECT_EQ(merged.error_request_count(), whole.error_request_count());
  EXPECT_EQ(merged.errors_by_kind(), whole.errors_by_kind());
  EXPECT_EQ(merged.errors_by_http_status(), whole.errors_by_http_status());
  EXPECT_EQ(merged.benchmark_duration_ns(), whole.benchmark_duration_ns());
  for (TokenSource s : {TokenSource::kNone, TokenSource::kReported, TokenSource::kClient, TokenSource::kEstimated}) {
    EXPECT_EQ(merged.output_tokens_from(s), whole.output_tokens_from(s));
    EXPECT_EQ(merged.input_tokens_from(s), whole.input_tokens_from(s));
  }
  auto mr = merged.results();
  auto wr = whole.results();
  ASSERT_EQ(mr.size(), wr.size());
  for (std::size_t i = 0; i < mr.size(); ++i) {
    SCOPED_TRACE(metric_info(wr[i].id).tag);
    EXPECT_EQ(mr[i].id, wr[i].id);
    EXPECT_EQ(mr[i].stats, wr[i].stats);  // bit-for-bit
    EXPECT_EQ(mr[i].value, wr[i].value);
  }
  EXPECT_GE(wr.size(), 12u);
}

TEST(RunMetrics, MergeIntoEmptyEqualsOriginal) {
  RunMetrics run;
  run.add(streamed(0, 5 * kMs, 1 * kMs, 5));
  run.add(failed(ErrorKind::kParse));
  RunMetrics empty;
  empty.merge(run);
  EXPECT_EQ(empty.request_count(), 1);
  EXPECT_EQ(empty.error_count(ErrorKind::kParse), 1);
  EXPECT_EQ(empty.benchmark_duration_ns(), run.benchmark_duration_ns());
  EXPECT_EQ(empty.results().size(), run.results().size());
}

}  // namespace
}  // namespace aiperf::metrics

namespace aiperf::metrics {
namespace {

// Heap bytes in use (glibc's arenas plus mmapped blocks).
std::size_t heap_in_use() {
  const struct mallinfo2 mi = ::mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// Heap bytes a RunMetrics keeps per request after `n` streamed requests of `tokens` chunks each
// went through the record path (record -> request metrics -> RunMetrics; the record is dropped).
double retained_bytes_per_request(int n, int tokens) {
  std::mt19937_64 rng(tokens);
  std::uniform_int_distribution<int64_t> jitter(0, kMs);
  RunMetrics run;
  const std::size_t before = heap_in_use();
  for (int i = 0; i < n; ++i) {
    RequestRecord r = streamed(i * kMs, 20 * kMs + jitter(rng), kMs + jitter(rng) / 8, tokens, 100);
    r.scheduled_ns = r.start_ns - jitter(rng) / 100;
    r.input_token_count = 100;
    run.add(r);
  }
  const std::size_t after = heap_in_use();
  EXPECT_EQ(run.request_count(), n);
  EXPECT_EQ(run.result(MetricId::kInterChunkLatency)->stats->count, int64_t(n) * (tokens - 1));
  return static_cast<double>(after - before) / n;
}

TEST(RunMetricsMemory, FinishedRequestKeepsAtMost100BytesWhateverItsOutputLength) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator does not report through mallinfo2";
#endif
  const double short_streams = retained_bytes_per_request(20000, 100);
  const double long_streams = retained_bytes_per_request(20000, 1000);
  std::cout << "retained bytes per finished request: " << short_streams << " (100 tokens), " << long_streams
            << " (1000 tokens)\n";
  EXPECT_LE(short_streams, 100);
  EXPECT_LE(long_streams, 100);
  // Output length does not matter: ten times the chunks, the same bytes within the histogram's buckets.
  EXPECT_LE(long_streams, short_streams + 10);
}

}  // namespace
}  // namespace aiperf::metrics
