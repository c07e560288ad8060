// The phase hook registry of the seed design: hooks register callbacks here,
// and the phase orchestrator fires them at each phase start and end.
#pragma once

#include <string>
#include <vector>

#include "aiperf/sdk/phase_hook.h"

namespace aiperf {

/// A callback that failed, and why.
struct HookFailure {
  std::string owner;    ///< Who registered it (the hook's name).
  std::string message;  ///< What it threw.
};

/// Holds phase-start and phase-complete callbacks and runs them in registration order.
class PhaseHookRegistry final : public PhaseHookRegistrar {
 public:
  void register_phase_start(std::string owner, PhaseCallback callback) override;
  void register_phase_complete(std::string owner, PhaseCallback callback) override;

  /// Runs every phase-start callback; one that throws is reported and the rest still run.
  std::vector<HookFailure> fire_phase_start(const PhaseStats& stats) const;
  /// Runs every phase-complete callback, with the same failure handling.
  std::vector<HookFailure> fire_phase_complete(const PhaseStats& stats) const;

  /// Number of callbacks registered (start + complete).
  std::size_t size() const { return start_.size() + complete_.size(); }

 private:
  struct Entry {
    std::string owner;
    PhaseCallback callback;
  };
  static std::vector<HookFailure> fire(const std::vector<Entry>& entries, const PhaseStats& stats);

  std::vector<Entry> start_;
  std::vector<Entry> complete_;
};

}  // namespace aiperf
