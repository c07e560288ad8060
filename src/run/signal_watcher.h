// Ctrl-C (SIGINT), SIGTERM and SIGHUP during a run: the first asks the run to
// stop gracefully, a second exits at once.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace aiperf::run {

/// Watches SIGINT/SIGTERM on its own thread while alive. Construct it before
/// any other thread starts, so the signals are blocked everywhere else.
class SignalWatcher {
 public:
  /// `on_first` runs on the watcher thread at the first signal.
  explicit SignalWatcher(std::function<void()> on_first);
  /// Blocks the watched signals in the calling thread and the threads it creates from now on: call it
  /// before a library starts threads of its own (MPI), so that no thread takes a Ctrl-C by default.
  static void block_watched_signals();
  /// Stops watching and restores the signal mask.
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  std::function<void()> on_first_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace aiperf::run
