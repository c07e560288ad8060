#include "run/signal_watcher.h"

#include <signal.h>
#include <unistd.h>

#include <ctime>

namespace aiperf::run {
namespace {

sigset_t watched() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);  // a closed terminal or ssh session: stop cleanly, as for SIGTERM
  return set;
}

}  // namespace

void SignalWatcher::block_watched_signals() {
  sigset_t set = watched();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by threads created from here on
}

SignalWatcher::SignalWatcher(std::function<void()> on_first) : on_first_(std::move(on_first)) {
  block_watched_signals();
  thread_ = std::thread([this] {
    sigset_t wait_set = watched();
    timespec tick{0, 100'000'000};
    int seen = 0;
    while (!done_.load()) {
      int sig = sigtimedwait(&wait_set, nullptr, &tick);
      if (sig <= 0) continue;
      if (++seen == 1) {
        on_first_();
      } else {
        static const char message[] = "\naiperf: interrupted twice, exiting now\n";
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, message, sizeof message - 1);
        ::_exit(128 + sig);
      }
    }
  });
}

SignalWatcher::~SignalWatcher() {
  done_ = true;
  thread_.join();
  sigset_t set = watched();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace aiperf::run
