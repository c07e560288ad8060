// User-centric rate mode end to end against the real mock (--user-centric-rate R
// --num-users U): users start 1/R s apart, each user's turns go U/R s apart, and a
// user that ends its conversation starts the next on the same cadence. Wall-clock
// bound (label `timing`); the bounds are generous, tens of ms on a loaded machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;
using testing::profile;

TEST(UserCentricE2ETest, UsersStartStaggeredAndSendEachTurnTheirGapAfterTheLast) {
  constexpr double kRate = 20, kUsers = 4, kConversations = 6, kTurns = 3;
  const double gap_ms = kUsers / kRate * 1000, stagger_ms = 1000 / kRate;
  auto server = MockServerProcess({"--fast"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--user-centric-rate 20 --num-users 4 --conversation-num 6 --conversation-turn-mean 3 "
                     "--conversation-turn-stddev 0 --conversation-turn-delay-mean 5000 --isl 6 --osl 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), static_cast<std::size_t>(kConversations * kTurns));
  double t0 = 1e300;
  for (const auto& r : run.records) t0 = std::min(t0, r["metadata"]["request_start_ns"].get<double>());
  std::map<uint64_t, std::vector<double>> starts_ms;  // conversation -> its turns' sends, ms from the first send
  for (const auto& r : run.records) {
    const auto& md = r["metadata"];
    starts_ms[md["conversation_id"].get<uint64_t>()].push_back((md["request_start_ns"].get<double>() - t0) / 1e6);
  }
  ASSERT_EQ(starts_ms.size(), static_cast<std::size_t>(kConversations));
  for (auto& [id, starts] : starts_ms) {
    std::sort(starts.begin(), starts.end());
    // The gap replaces the 5 s think time the dataset asks for.
    for (std::size_t k = 1; k < starts.size(); ++k) {
      EXPECT_GE(starts[k] - starts[k - 1], gap_ms - 0.5) << "conversation " << id << " turn " << k;
      EXPECT_LT(starts[k] - starts[k - 1], gap_ms + 40) << "conversation " << id << " turn " << k;
    }
  }
  // The first U conversations are the U users, one every 1/R s.
  for (uint64_t user = 0; user < kUsers; ++user) {
    EXPECT_NEAR(starts_ms[user].front(), user * stagger_ms, 25) << "user " << user;
  }
  // The next conversations follow a user's last turn by one gap.
  for (uint64_t id = kUsers; id < kConversations; ++id) {
    double nearest = 1e300;
    for (uint64_t user = 0; user < kUsers; ++user) {
      nearest = std::min(nearest, std::abs(starts_ms[id].front() - (starts_ms[user].back() + gap_ms)));
    }
    EXPECT_LT(nearest, 40) << "conversation " << id << " starts one gap after some user's last turn";
  }
  EXPECT_NE(run.aggregate.value("timing_strategy_summary", "").find("4 users"), std::string::npos) << run.aggregate.dump();
}

// A response that outlasts the gap holds its user back: the next turn goes when it ends (not a
// catch-up burst later), and the other users keep their own cadence.
TEST(UserCentricE2ETest, SlowResponseDelaysOnlyItsUserUntilItEnds) {
  const double gap_ms = 4.0 / 20 * 1000;
  auto server = MockServerProcess({"--ttft", "100", "--ttft-jitter", "150", "--random-seed", "3"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--user-centric-rate 20 --num-users 4 --conversation-num 4 --conversation-turn-mean 4 "
                     "--conversation-turn-stddev 0 --isl 6 --osl 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  ASSERT_EQ(run.records.size(), 16u);
  std::map<uint64_t, std::map<uint32_t, json>> turns;  // conversation -> turn -> metadata
  for (const auto& r : run.records) {
    const auto& md = r["metadata"];
    turns[md["conversation_id"].get<uint64_t>()][md["turn_index"].get<uint32_t>()] = md;
  }
  int late = 0;
  for (const auto& [id, by_turn] : turns) {
    for (uint32_t k = 1; k < by_turn.size(); ++k) {
      const json& prev = by_turn.at(k - 1);
      const double prev_start = prev["request_start_ns"].get<double>() / 1e6;
      const double prev_ms = prev["request_end_ns"].get<double>() / 1e6 - prev_start;
      const double gap = by_turn.at(k)["request_start_ns"].get<double>() / 1e6 - prev_start;
      const double due = std::max(gap_ms, prev_ms);
      EXPECT_GE(gap, due - 0.5) << "conversation " << id << " turn " << k;
      EXPECT_LT(gap, due + 40) << "conversation " << id << " turn " << k;
      late += prev_ms > gap_ms;
    }
  }
  EXPECT_GT(late, 0) << "the mock's seeded jitter should make some responses outlast the gap";
}

// At the end of --benchmark-duration, a user waiting out its gap (here 4 s) does not hold the run open.
TEST(UserCentricE2ETest, DurationEndReleasesUsersWaitingForTheirNextTurn) {
  auto server = MockServerProcess({"--fast"});
  TempDir dir;
  const auto begin = std::chrono::steady_clock::now();
  auto run = profile(server, dir,
                     "--user-centric-rate 0.5 --num-users 2 --conversation-num 2 --conversation-turn-mean 3 "
                     "--conversation-turn-stddev 0 --isl 6 --osl 2 --benchmark-duration 1");
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_EQ(run.records.size(), 1u) << "user 0's first turn; its second is due at 4 s, user 1 at 2 s";
  EXPECT_LT(elapsed_s, 3.0) << "the run waited for a user's gap after the duration ended";
}

}  // namespace
}  // namespace aiperf
