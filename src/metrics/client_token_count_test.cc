// Client-side output token counts: which records need one, how they are taken,
// which count wins over the server's usage, and the worker that takes them off the loop.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "metrics/request_metrics.h"
#include "metrics/token_count_worker.h"

namespace aiperf::metrics {
namespace {

// A stand-in tokenizer: one token per byte, so counts are easy to predict and differ from the estimate.
int64_t bytes(std::string_view s) { return static_cast<int64_t>(s.size()); }

RequestRecord streamed(std::optional<Usage> usage, std::string reasoning = {}) {
  RequestRecord r;
  r.streaming = true;
  r.start_ns = 1'000;
  for (int i = 0; i < 4; ++i) {
    Chunk c;
    c.timestamp_ns = 2'000 + i * 100;
    c.content = "abcde";
    if (i == 0) c.reasoning = reasoning;
    r.responses.push_back(c);
  }
  r.end_ns = 3'000;
  r.usage = usage;
  return r;
}

TEST(ClientTokenCountTest, RecordWithoutUsageNeedsACountAndGetsTheClients) {
  auto r = streamed(std::nullopt);
  ASSERT_TRUE(needs_client_token_count(r));
  count_client_tokens(r, bytes);
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.output_sequence_length, 20);
  EXPECT_EQ(m.output_tokens_source, TokenSource::kClient);
  ASSERT_TRUE(m.inter_token_latency_ns);
  EXPECT_DOUBLE_EQ(*m.inter_token_latency_ns, (2'300.0 - 2'000.0) / 19.0);  // ITL per client-counted token
}

TEST(ClientTokenCountTest, ServerUsageWinsOnlyWhenServerCountsAreAskedFor) {
  auto r = streamed(Usage{.prompt_tokens = 7, .completion_tokens = 4, .reasoning_tokens = std::nullopt});
  r.input_token_count = 9;
  EXPECT_FALSE(needs_client_token_count(r));  // --use-server-token-count: usage present, nothing to count
  count_client_tokens(r, bytes);
  auto server = compute_request_metrics(r);
  EXPECT_EQ(server.output_sequence_length, 4);
  EXPECT_EQ(server.output_tokens_source, TokenSource::kReported);
  EXPECT_EQ(server.input_sequence_length, 7);

  r.prefer_client_token_counts = true;  // the default: client counts, as AIPerf
  EXPECT_TRUE(needs_client_token_count(r));
  auto client = compute_request_metrics(r);
  EXPECT_EQ(client.output_sequence_length, 20);
  EXPECT_EQ(client.output_tokens_source, TokenSource::kClient);
  EXPECT_EQ(client.input_sequence_length, 9);
  EXPECT_EQ(client.input_tokens_source, TokenSource::kClient);
}

TEST(ClientTokenCountTest, ReasoningIsCountedSeparatelyAndAddedToOsl) {
  auto r = streamed(std::nullopt, "thinking");
  count_client_tokens(r, bytes);
  EXPECT_EQ(r.client_reasoning_tokens, 8);
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.output_sequence_length, 28);
  EXPECT_EQ(m.reasoning_token_count, 8);
  EXPECT_EQ(m.reasoning_tokens_source, TokenSource::kClient);
  EXPECT_EQ(m.output_token_count, 20);
}

TEST(ClientTokenCountTest, UsageWithoutReasoningCountStillNeedsTheReasoningCounted) {
  auto r = streamed(Usage{.prompt_tokens = 7, .completion_tokens = 30, .reasoning_tokens = std::nullopt}, "think");
  ASSERT_TRUE(needs_client_token_count(r));
  count_client_tokens(r, bytes);
  auto m = compute_request_metrics(r);
  EXPECT_EQ(m.output_sequence_length, 30);
  EXPECT_EQ(m.output_tokens_source, TokenSource::kReported);
  EXPECT_EQ(m.reasoning_token_count, 5);
  EXPECT_EQ(m.reasoning_tokens_source, TokenSource::kClient);
  EXPECT_EQ(m.output_token_count, 25);
}

TEST(ClientTokenCountTest, FailedAndTextlessRecordsNeedNoCount) {
  auto failed = streamed(std::nullopt);
  failed.error = RequestError{ErrorKind::kIo, {}, "reset"};
  EXPECT_FALSE(needs_client_token_count(failed));
  auto embeddings = streamed(std::nullopt);
  embeddings.generates_text = false;
  EXPECT_FALSE(needs_client_token_count(embeddings));
  RequestRecord empty;
  empty.prefer_client_token_counts = true;
  EXPECT_FALSE(needs_client_token_count(empty));
}

TEST(TokenCountWorkerTest, RunsJobsInOrderOffTheCallingThread) {
  std::vector<int> order;
  std::promise<std::thread::id> where;
  {
    TokenCountWorker worker;
    for (int i = 0; i < 100; ++i) {
      worker.submit([&order, &where, i] {
        if (i == 0) where.set_value(std::this_thread::get_id());
        order.push_back(i);
      });
    }
  }  // the destructor runs what is queued
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  EXPECT_NE(where.get_future().get(), std::this_thread::get_id());
}

}  // namespace
}  // namespace aiperf::metrics
