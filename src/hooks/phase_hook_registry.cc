#include "hooks/phase_hook_registry.h"

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace aiperf::hooks {

void PhaseHookRegistry::register_phase_start(std::string owner, PhaseCallback callback) {
  start_.push_back({std::move(owner), std::move(callback)});
}

void PhaseHookRegistry::register_phase_complete(std::string owner, PhaseCallback callback) {
  complete_.push_back({std::move(owner), std::move(callback)});
}

namespace {

// One callback's run on its own thread; shared so an abandoned thread stays valid.
struct CallState {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::string error;
};

}  // namespace

std::vector<HookFailure> PhaseHookRegistry::fire(const std::vector<Entry>& entries,
                                                 const PhaseStats& stats) const {
  std::vector<HookFailure> failures;
  for (const auto& entry : entries) {
    if (!entry.callback) continue;
    auto state = std::make_shared<CallState>();
    std::thread([state, callback = entry.callback, stats] {
      std::string error;
      try {
        callback(stats);
      } catch (const std::exception& e) {
        error = e.what();
        if (error.empty()) error = "exception without a message";
      } catch (...) {
        error = "unknown exception";
      }
      std::lock_guard lock(state->mutex);
      state->done = true;
      state->error = std::move(error);
      state->done_cv.notify_all();
    }).detach();
    std::unique_lock lock(state->mutex);
    if (!state->done_cv.wait_for(lock, timeout_, [&] { return state->done; })) {
      hung_ = true;
      failures.push_back({entry.owner, "did not return within " + std::to_string(timeout_.count()) +
                                           " ms; skipped (its thread is abandoned)"});
    } else if (!state->error.empty()) {
      failures.push_back({entry.owner, state->error});
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

}  // namespace aiperf::hooks
