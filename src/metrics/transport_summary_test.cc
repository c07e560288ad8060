#include "metrics/transport_summary.h"

#include <gtest/gtest.h>

namespace aiperf::metrics {
namespace {

RequestRecord streamed(uint64_t reads, uint64_t multi, int64_t max_late_ns) {
  RequestRecord r;
  r.streaming = true;
  r.transport.reads = reads;
  r.transport.kernel_stamped_reads = reads;
  r.transport.multi_event_reads = multi;
  r.transport.max_read_lateness_ns = max_late_ns;
  r.transport.total_read_lateness_ns = max_late_ns;
  r.transport.content_encoding = "identity";
  return r;
}

TEST(TransportSummaryTest, CountsReadsAndKeepsTheLargestLateness) {
  TransportSummary s;
  s.add(streamed(10, 1, 2'000'000));
  s.add(streamed(30, 0, 5'000'000));
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.stream_reads, 40u);
  EXPECT_EQ(s.multi_event_reads, 1u);
  EXPECT_EQ(s.max_read_lateness_ns, 5'000'000);
  EXPECT_DOUBLE_EQ(s.mean_read_lateness_ns(), 7'000'000.0 / 40);
  EXPECT_EQ(s.content_encodings.at("identity"), 2u);
}

TEST(TransportSummaryTest, MergeEqualsAddingEverything) {
  TransportSummary a, b, all;
  const RequestRecord r1 = streamed(4, 2, 1), r2 = streamed(8, 0, 9);
  a.add(r1);
  b.add(r2);
  all.add(r1);
  all.add(r2);
  a.merge(b);
  EXPECT_EQ(a.reads, all.reads);
  EXPECT_EQ(a.multi_event_reads, all.multi_event_reads);
  EXPECT_EQ(a.max_read_lateness_ns, all.max_read_lateness_ns);
  EXPECT_EQ(a.content_encodings, all.content_encodings);
}

TEST(TransportSummaryTest, WarnsAboveTheThresholdsOnly) {
  TransportSummary quiet;
  quiet.add(streamed(1000, 10, kReadLatenessWarnNs));  // exactly 1% and exactly the lateness bound: no warning
  EXPECT_FALSE(quiet.lag_warning());
  TransportSummary coalesced;
  coalesced.add(streamed(100, 5, 0));
  ASSERT_TRUE(coalesced.lag_warning());
  EXPECT_NE(coalesced.lag_warning()->find("5 of 100 stream reads"), std::string::npos) << *coalesced.lag_warning();
  TransportSummary late;
  late.add(streamed(100, 0, kReadLatenessWarnNs + 1));
  ASSERT_TRUE(late.lag_warning());
  EXPECT_NE(late.lag_warning()->find("threshold 10 ms"), std::string::npos) << *late.lag_warning();
}

}  // namespace
}  // namespace aiperf::metrics
