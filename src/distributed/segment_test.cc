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

TEST(TurnLedgerTest, ItemsAreStartedWhileTheTurnsBeforeThemAreUnderTheCountAndTheLastIsCut) {
  TurnLedger ledger(10);  // conversations of 3 turns: 3 + 3 + 3 + 1
  EXPECT_EQ(ledger.take(3), 3u);
  EXPECT_EQ(ledger.take(3), 3u);
  EXPECT_EQ(ledger.take(3), 3u);
  EXPECT_FALSE(ledger.done());
  EXPECT_EQ(ledger.take(3), 1u);
  EXPECT_TRUE(ledger.done());
  EXPECT_EQ(ledger.take(1), 0u);
}

TEST(TurnLedgerTest, WithoutACountEveryItemSendsAllItsTurns) {
  TurnLedger ledger;
  EXPECT_FALSE(ledger.active());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ledger.take(7), 7u);
  EXPECT_FALSE(ledger.done());
}

// The parts share a count as one process would: together they send the count's turns, each
// conversation whole or not at all, save the one that reaches the count.
TEST(TurnLedgerTest, PartsTakingTheWholeScheduleSendTheCountAndCutOneConversation) {
  const std::vector<std::uint64_t> turns = {4, 1, 7, 2, 2, 5, 3, 6, 1, 4, 2, 8};
  for (int parts = 1; parts <= 4; ++parts) {
    for (std::uint64_t count = 1; count <= 45; ++count) {
      std::uint64_t sent = 0, cut = 0, started = 0;
      for (int p = 0; p < parts; ++p) {
        TurnLedger ledger(count);
        const Segment part = *Segment::make(p, parts);
        for (std::size_t i = 0; i < turns.size(); ++i) {
          const std::uint64_t n = ledger.take(turns[i]);
          if (!part.owns(i) || n == 0) continue;
          sent += n, ++started;
          if (n < turns[i]) ++cut;
        }
      }
      const std::uint64_t total = 45;  // the schedule's turns
      EXPECT_EQ(sent, std::min(count, total)) << parts << " parts, count " << count;
      EXPECT_LE(cut, 1u) << parts << " parts, count " << count;
      std::uint64_t one_process = 0;  // items one process starts: those with fewer turns before them than the count
      for (std::uint64_t i = 0, before = 0; i < turns.size() && before < count; before += turns[i++]) ++one_process;
      EXPECT_EQ(started, one_process) << parts << " parts, count " << count;
    }
  }
}

}  // namespace
}  // namespace aiperf::distributed
