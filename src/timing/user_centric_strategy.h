// Built-in timing strategy `user_centric`: AIPerf's user-centric rate mode
// (--user-centric-rate R --num-users U) for KV-cache benchmarking.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/timing_strategy.h"

namespace aiperf::timing {

/// U simulated users, each with its own cadence: a user sends a request, then its next one a
/// turn gap G = U / R seconds after that send, or as soon as the response ends when it ends
/// later (the cadence then restarts there: no catch-up burst). User i starts at i / R s, so the
/// users together send R requests/s. A credit is one user: the engine holds it for the whole
/// phase and paces the user's requests, turns and next conversations alike, by the gap
/// (engine::RequestDefaults::turn_gap_ns). A credit returned all the same (a plugin engine, a
/// failure) starts its user again at max(last send + G, end).
/// Config: {user_centric_rate: R > 0, num_users: U >= 1}.
class UserCentricStrategy final : public TimingStrategy {
 public:
  explicit UserCentricStrategy(const PluginConfig& config);
  Credit next_credit(const CreditState& state) override;
  void on_credit_returned(const CreditReturn& outcome) override;
  std::string summary() const override;
  /// The gap between one user's turns, ns.
  int64_t turn_gap_ns() const { return gap_ns_; }

 private:
  double rate_;
  uint64_t users_;
  int64_t gap_ns_;
  // When each idle user may start its next conversation (phase-relative ns), earliest first.
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<>> idle_;
};

}  // namespace aiperf::timing
