// A thread that counts response tokens off the event loop: the loop hands it
// finished requests whose output the client must count (no usage from the
// server, or --use-server-token-count off), and it hands them back counted.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace aiperf::metrics {

/// One worker thread running queued jobs in FIFO order; the destructor runs what is queued, then joins.
class TokenCountWorker {
 public:
  TokenCountWorker();
  ~TokenCountWorker();
  TokenCountWorker(const TokenCountWorker&) = delete;
  TokenCountWorker& operator=(const TokenCountWorker&) = delete;

  /// Queues `job` to run on the worker thread. Thread-safe.
  void submit(std::function<void()> job);

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace aiperf::metrics
