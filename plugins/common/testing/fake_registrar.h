// Test support for phase_hook packages: a PhaseHookRegistrar that records callbacks so a test can fire them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <aiperf/sdk/phase_hook.h>

namespace plugin_test {

/// Records every registered callback with its owner.
class FakeRegistrar final : public aiperf::PhaseHookRegistrar {
 public:
  /// A registered callback and who registered it.
  using Entry = std::pair<std::string, aiperf::PhaseCallback>;

  /// Records a phase-start callback.
  void register_phase_start(std::string owner, aiperf::PhaseCallback callback) override {
    start.emplace_back(std::move(owner), std::move(callback));
  }
  /// Records a phase-complete callback.
  void register_phase_complete(std::string owner, aiperf::PhaseCallback callback) override {
    complete.emplace_back(std::move(owner), std::move(callback));
  }

  /// Runs every phase-start callback (exceptions propagate).
  void fire_start(const aiperf::PhaseStats& stats) const {
    for (const auto& entry : start) entry.second(stats);
  }
  /// Runs every phase-complete callback (exceptions propagate).
  void fire_complete(const aiperf::PhaseStats& stats) const {
    for (const auto& entry : complete) entry.second(stats);
  }

  std::vector<Entry> start;     ///< Phase-start callbacks, in registration order.
  std::vector<Entry> complete;  ///< Phase-complete callbacks, in registration order.
};

}  // namespace plugin_test
