#include "transport/read_first.h"

#include <gtest/gtest.h>

namespace aiperf::transport {
namespace {

TEST(ReadFirstPolicyTest, ReadsFirstUntilReadsMostlyFindNothing) {
  ReadFirstPolicy p;
  EXPECT_TRUE(p.should_read_first());
  p.found_nothing();
  int tried = 0;
  for (int i = 0; i < 64; ++i) tried += p.should_read_first() ? 1 : 0;
  EXPECT_EQ(tried, 64 / static_cast<int>(ReadFirstPolicy::kProbeEvery)) << "only the probes read first";
}

TEST(ReadFirstPolicyTest, AHitAfterAMissRestoresReadingFirst) {
  ReadFirstPolicy p;
  p.found_nothing();
  p.found();
  EXPECT_TRUE(p.should_read_first());
  EXPECT_TRUE(p.should_read_first());
}

TEST(ReadFirstPolicyTest, TheScoreIsBoundedSoAChangeOfServerIsFollowedQuickly) {
  ReadFirstPolicy p;
  for (int i = 0; i < 1000; ++i) p.found_nothing();
  for (int i = 0; i < ReadFirstPolicy::kBound - 1; ++i) p.found();
  EXPECT_FALSE(p.should_read_first()) << "still below zero (and not a probe: the first skipped send)";
  p.found();
  EXPECT_TRUE(p.should_read_first()) << "kBound hits undo any run of misses";
  for (int i = 0; i < 1000; ++i) p.found();
  p.found_nothing();
  EXPECT_TRUE(p.should_read_first()) << "one miss after many hits keeps reading first";
}

}  // namespace
}  // namespace aiperf::transport
