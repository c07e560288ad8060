// The phase hook registry of the seed design: hooks register callbacks here,
// and the phase orchestrator fires them at each phase start and end.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "aiperf/sdk/phase_hook.h"

namespace aiperf::hooks {

/// A callback that failed, and why.
struct HookFailure {
  std::string owner;    ///< Who registered it (the hook's name).
  std::string message;  ///< What it threw.
};

/// Holds phase-start and phase-complete callbacks and runs them in registration order.
/// A callback that throws is reported; one that does not return within the timeout is
/// reported and abandoned (its thread keeps running), and the rest still run.
class PhaseHookRegistry final : public PhaseHookRegistrar {
 public:
  /// `timeout`: how long one callback may run.
  explicit PhaseHookRegistry(std::chrono::milliseconds timeout = std::chrono::seconds(30))
      : timeout_(timeout) {}

  void register_phase_start(std::string owner, PhaseCallback callback) override;
  void register_phase_complete(std::string owner, PhaseCallback callback) override;

  /// Runs every phase-start callback; one that throws is reported and the rest still run.
  std::vector<HookFailure> fire_phase_start(const PhaseStats& stats) const;
  /// Runs every phase-complete callback, with the same failure handling.
  std::vector<HookFailure> fire_phase_complete(const PhaseStats& stats) const;

  /// Number of callbacks registered (start + complete).
  std::size_t size() const { return start_.size() + complete_.size(); }
  /// True once a callback timed out: its thread may still use the hook, so keep hooks alive.
  bool hung() const { return hung_.load(); }

 private:
  struct Entry {
    std::string owner;
    PhaseCallback callback;
  };
  std::vector<HookFailure> fire(const std::vector<Entry>& entries, const PhaseStats& stats) const;

  std::chrono::milliseconds timeout_;
  std::vector<Entry> start_;
  std::vector<Entry> complete_;
  mutable std::atomic<bool> hung_{false};
};

}  // namespace aiperf::hooks
