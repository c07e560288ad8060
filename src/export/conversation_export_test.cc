#include "export/conversation_export.h"

#include <gtest/gtest.h>

#include "export/profile_export.h"

namespace aiperf::exporting {
namespace {

metrics::RequestRecord turn(uint64_t conversation, uint32_t index, int64_t start_ms, int64_t end_ms, bool ok = true) {
  metrics::RequestRecord r;
  r.conversation_id = conversation;
  r.turn_index = index;
  r.start_ns = start_ms * 1'000'000;
  r.end_ns = end_ms * 1'000'000;
  if (!ok) r.error = metrics::RequestError{metrics::ErrorKind::kIo, {}, "reset"};
  return r;
}

TEST(ConversationMetricsTest, LatencyRunsFromTheFirstSendToTheLastEndWhateverTheOrder) {
  ConversationMetrics c;
  // Conversation 7: turns finish out of order; its span is 100 ms -> 460 ms.
  c.add(turn(7, 1, 250, 460), false);
  c.add(turn(7, 0, 100, 180), false);
  c.add(turn(3, 0, 10, 30), false);
  metrics::RequestRecord single;  // not part of a conversation
  single.start_ns = 0;
  single.end_ns = 999'000'000;
  c.add(single, false);
  EXPECT_EQ(c.count(), 2u);
  const auto latency = c.latencies_ms().summary();
  ASSERT_TRUE(latency);
  EXPECT_DOUBLE_EQ(latency->max, 460 - 100);
  EXPECT_DOUBLE_EQ(latency->min, 30 - 10);
  const auto turns = c.turns().summary();
  ASSERT_TRUE(turns);
  EXPECT_DOUBLE_EQ(turns->max, 2);
  EXPECT_DOUBLE_EQ(turns->min, 1);
}

TEST(ConversationMetricsTest, ConversationWithAFailedOrCancelledTurnIsCountedButLeftOutOfTheLatency) {
  ConversationMetrics c;
  c.add(turn(0, 0, 0, 10), false);
  c.add(turn(0, 1, 20, 30, /*ok=*/false), false);
  c.add(turn(1, 0, 0, 10), true);
  c.add(turn(2, 0, 0, 50), false);
  EXPECT_EQ(c.count(), 3u);
  EXPECT_EQ(c.failed_count(), 2u);
  EXPECT_EQ(c.latencies_ms().size(), 1u);
  EXPECT_EQ(c.turns().size(), 3u);
  const auto doc = c.to_json();
  EXPECT_EQ(doc["conversation_count"]["avg"], 3);
  EXPECT_EQ(doc["failed_conversation_count"]["avg"], 2);
  EXPECT_EQ(doc["conversation_latency"]["count"], 1);
  EXPECT_EQ(doc["conversation_latency"]["unit"], "ms");
  EXPECT_DOUBLE_EQ(doc["conversation_latency"]["p50"].get<double>(), 50);
  EXPECT_EQ(doc["turns_per_conversation"]["count"], 3);
}

TEST(ConversationMetricsTest, CsvRowsJoinTheDistributionAndSingleValueSections) {
  ConversationMetrics c;
  c.add(turn(0, 0, 0, 10), false);
  c.add(turn(0, 1, 40, 125), false);
  metrics::RunMetrics run;
  run.add(turn(0, 0, 0, 10));
  const std::string plain = aggregate_csv(run);
  const std::string csv = with_conversation_rows(plain, c);
  const auto gap = csv.find("\n\n");
  ASSERT_NE(gap, std::string::npos);
  const auto latency_row = csv.find("Conversation Latency (ms),125.00,");
  const auto turns_row = csv.find("Turns per Conversation (turns),2.00,");
  EXPECT_LT(latency_row, gap);
  EXPECT_LT(turns_row, gap);
  EXPECT_GT(csv.find("Conversation Count (conversations),1\n"), gap);
  EXPECT_EQ(with_conversation_rows(plain, ConversationMetrics{}), plain);
}

TEST(ConversationMetricsTest, ConsoleSaysNothingWithoutConversations) {
  EXPECT_EQ(ConversationMetrics{}.console_lines(), "");
  ConversationMetrics c;
  c.add(turn(0, 0, 0, 10), false);
  EXPECT_NE(c.console_lines().find("think time included"), std::string::npos);
}

}  // namespace
}  // namespace aiperf::exporting
