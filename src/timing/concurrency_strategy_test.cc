#include "timing/concurrency_strategy.h"

#include <gtest/gtest.h>

namespace aiperf::timing {

TEST(ConcurrencyStrategyTest, SendsUntilTheCapThenWaits) {
  ConcurrencyStrategy s(PluginConfig(nlohmann::json{{"concurrency", 2}}));
  auto c0 = s.next_credit({5, 0, 0, 0});
  EXPECT_EQ(c0.kind, Credit::Kind::kSendAt);
  EXPECT_EQ(c0.send_at_ns, 5);
  EXPECT_EQ(s.next_credit({6, 1, 1, 0}).kind, Credit::Kind::kSendAt);
  EXPECT_EQ(s.next_credit({7, 2, 2, 0}).kind,
            Credit::Kind::kWaitForReturn);
}

TEST(ConcurrencyStrategyTest, RampRaisesTheLimitInStepsFromOne) {
  ConcurrencyStrategy s(PluginConfig(nlohmann::json{{"concurrency", 11}, {"ramp_duration_s", 10}}));
  EXPECT_EQ(s.limit_at(0), 1u);
  EXPECT_EQ(s.limit_at(999'999'999), 1u);
  EXPECT_EQ(s.limit_at(1'000'000'000), 2u);  // one step per S / (N - 1) = 1 s
  EXPECT_EQ(s.limit_at(5'500'000'000), 6u);
  EXPECT_EQ(s.limit_at(10'000'000'000), 11u);
  EXPECT_EQ(s.limit_at(50'000'000'000), 11u);
}

TEST(ConcurrencyStrategyTest, RampingAndFullSendsWhenTheNextStepOpens) {
  ConcurrencyStrategy s(PluginConfig(nlohmann::json{{"concurrency", 5}, {"ramp_duration_s", 4}}));
  EXPECT_EQ(s.next_credit({0, 0, 0, 0}).kind, Credit::Kind::kSendAt);
  auto c = s.next_credit({100, 1, 1, 0});  // limit 1 reached; limit 2 at 1 s
  EXPECT_EQ(c.kind, Credit::Kind::kSendAt);
  EXPECT_EQ(c.send_at_ns, 1'000'000'000);
  EXPECT_EQ(s.next_credit({2'500'000'000, 3, 3, 0}).send_at_ns, 3'000'000'000);
  EXPECT_EQ(s.next_credit({5'000'000'000, 5, 5, 0}).kind, Credit::Kind::kWaitForReturn);
}

TEST(ConcurrencyStrategyTest, RejectsBadConcurrency) {
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurrency", 0}})), ConfigError);
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurrency", "x"}})), ConfigError);
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurency", 2}})), ConfigError);
  EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurrency", 2}, {"ramp_duration_s", -1}})),
               ConfigError);
}

ConcurrencyStrategy part_of(int index, int count, int concurrency, double ramp_s) {
  return ConcurrencyStrategy(PluginConfig(nlohmann::json{
      {"concurrency", concurrency}, {"ramp_duration_s", ramp_s}, {"part", {{"index", index}, {"count", count}}}}));
}

TEST(ConcurrencyStrategyTest, SplitPartsLimitsSumToTheWholeRampsAtEveryInstant) {
  for (const int parts : {2, 3, 4}) {
    ConcurrencyStrategy whole(PluginConfig(nlohmann::json{{"concurrency", 10}, {"ramp_duration_s", 9}}));
    std::vector<ConcurrencyStrategy> split;
    for (int p = 0; p < parts; ++p) split.push_back(part_of(p, parts, 10, 9));
    for (int64_t t = 0; t <= 10'000'000'000; t += 250'000'000) {
      uint64_t sum = 0;
      for (const auto& s : split) sum += s.limit_at(t);
      EXPECT_EQ(sum, whole.limit_at(t)) << parts << " parts at t=" << t;
    }
    uint64_t full = 0;
    for (const auto& s : split) full += s.limit_at(9'000'000'000);
    EXPECT_EQ(full, 10u);
  }
}

TEST(ConcurrencyStrategyTest, ASplitPartsRampOpensItsOwnSlotsAtTheWholeRampsTimes) {
  // 9 slots over 8 s: slot k opens at k s; part 1 of 3 owns slots 1, 4, 7.
  auto s = part_of(1, 3, 9, 8);
  EXPECT_EQ(s.limit_at(999'999'999), 0u);
  EXPECT_EQ(s.limit_at(1'000'000'000), 1u);
  auto first = s.next_credit({0, 0, 0, 0});
  EXPECT_EQ(first.kind, Credit::Kind::kSendAt);
  EXPECT_EQ(first.send_at_ns, 1'000'000'000);
  EXPECT_EQ(s.next_credit({1'200'000'000, 1, 1, 0}).send_at_ns, 4'000'000'000);
  EXPECT_EQ(s.next_credit({4'000'000'000, 2, 2, 0}).send_at_ns, 7'000'000'000);
  EXPECT_EQ(s.next_credit({7'500'000'000, 3, 3, 0}).kind, Credit::Kind::kWaitForReturn);
  EXPECT_EQ(s.next_credit({9'000'000'000, 2, 2, 0}).kind, Credit::Kind::kSendAt);  // a return: below its 3
  // Without a ramp a part's limit is its striped share: 9 over 4 parts is 3, 2, 2, 2.
  EXPECT_EQ(part_of(0, 4, 9, 0).limit_at(0), 3u);
  EXPECT_EQ(part_of(3, 4, 9, 0).limit_at(0), 2u);
}

TEST(ConcurrencyStrategyTest, RejectsABadPart) {
  for (const auto& part : {nlohmann::json{{"index", 2}, {"count", 2}}, nlohmann::json{{"index", -1}, {"count", 2}},
                           nlohmann::json{{"index", 0}, {"count", 5}}, nlohmann::json{{"index", "0"}, {"count", 2}},
                           nlohmann::json{{"count", 2}}, nlohmann::json(3)}) {
    EXPECT_THROW(ConcurrencyStrategy(PluginConfig(nlohmann::json{{"concurrency", 4}, {"part", part}})), ConfigError)
        << part.dump();
  }
}

}  // namespace aiperf::timing
