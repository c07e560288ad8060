#include "distributed/segment.h"

#include <gtest/gtest.h>

#include <vector>

namespace aiperf::distributed {
namespace {

TEST(SegmentTest, PartsOwnEveryItemExactlyOnce) {
  for (int count : {1, 2, 3, 4, 7}) {
    std::vector<int> owners(1000, 0);
    for (int index = 0; index < count; ++index) {
      const Segment part = *Segment::make(index, count);
      for (std::uint64_t i = 0; i < owners.size(); ++i) owners[i] += part.owns(i) ? 1 : 0;
    }
    for (std::size_t i = 0; i < owners.size(); ++i) ASSERT_EQ(owners[i], 1) << "item " << i << " of " << count;
  }
}

TEST(SegmentTest, SharesSumToTheTotalAndDifferByAtMostOne) {
  for (std::uint64_t total : {0u, 1u, 5u, 19'000u, 76'001u}) {
    std::uint64_t sum = 0, least = total, most = 0;
    for (int index = 0; index < 4; ++index) {
      const std::uint64_t share = Segment::make(index, 4)->share_of(total);
      sum += share;
      least = std::min(least, share);
      most = std::max(most, share);
    }
    EXPECT_EQ(sum, total);
    EXPECT_LE(most - least, 1u) << total;
  }
}

TEST(SegmentTest, ShareCountsTheItemsThePartOwnsAmongTheFirstTotal) {
  const Segment part = *Segment::make(2, 3);
  for (std::uint64_t total = 0; total < 20; ++total) {
    std::uint64_t owned = 0;
    for (std::uint64_t i = 0; i < total; ++i) owned += part.owns(i) ? 1 : 0;
    EXPECT_EQ(part.share_of(total), owned) << total;
  }
}

TEST(SegmentTest, GlobalIndexOfTheKthItemIsOneThePartOwns) {
  const Segment part = *Segment::make(1, 4);
  for (std::uint64_t k = 0; k < 10; ++k) {
    EXPECT_TRUE(part.owns(part.global_index(k)));
    if (k > 0) {
      EXPECT_EQ(part.global_index(k) - part.global_index(k - 1), 4u);
    }
  }
  EXPECT_EQ(part.global_index(0), 1u);
}

TEST(SegmentTest, TheDefaultIsTheWholeSchedule) {
  const Segment whole;
  EXPECT_TRUE(whole.whole());
  for (std::uint64_t i = 0; i < 10; ++i) EXPECT_TRUE(whole.owns(i));
  EXPECT_EQ(whole.share_of(17), 17u);
}

TEST(SegmentTest, AnIndexOutsideTheCountIsRejected) {
  EXPECT_FALSE(Segment::make(4, 4).has_value());
  EXPECT_FALSE(Segment::make(-1, 4).has_value());
  EXPECT_FALSE(Segment::make(0, 0).has_value());
  EXPECT_EQ(Segment::make(4, 4).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aiperf::distributed
