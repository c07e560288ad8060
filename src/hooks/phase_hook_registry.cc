#include "hooks/phase_hook_registry.h"

#include <exception>

namespace aiperf {

void PhaseHookRegistry::register_phase_start(std::string owner, PhaseCallback callback) {
  start_.push_back({std::move(owner), std::move(callback)});
}

void PhaseHookRegistry::register_phase_complete(std::string owner, PhaseCallback callback) {
  complete_.push_back({std::move(owner), std::move(callback)});
}

std::vector<HookFailure> PhaseHookRegistry::fire(const std::vector<Entry>& entries,
                                                 const PhaseStats& stats) {
  std::vector<HookFailure> failures;
  for (const auto& entry : entries) {
    try {
      if (entry.callback) entry.callback(stats);
    } catch (const std::exception& e) {
      failures.push_back({entry.owner, e.what()});
    } catch (...) {
      failures.push_back({entry.owner, "unknown exception"});
    }
  }
  return failures;
}

std::vector<HookFailure> PhaseHookRegistry::fire_phase_start(const PhaseStats& stats) const {
  return fire(start_, stats);
}

std::vector<HookFailure> PhaseHookRegistry::fire_phase_complete(const PhaseStats& stats) const {
  return fire(complete_, stats);
}

}  // namespace aiperf
