// Whether to read a plain connection right after its request was sent, before waiting for
// readability. A read that finds the response saves the wait (an epoll_ctl and a loop turn); one
// that finds nothing is a wasted recvmsg. Which is likelier depends on the server and the load
// (a closed loop against a fast local server often finds it; an open loop, or any remote server,
// almost never), so the client keeps a score of recent outcomes. Pure logic, loop thread only.
#pragma once

#include <algorithm>
#include <cstdint>

namespace aiperf::transport {

class ReadFirstPolicy {
 public:
  /// Whether the next sent request should be read before waiting. While reads mostly miss, one
  /// send in kProbeEvery still tries, so responses that become fast are noticed.
  bool should_read_first() {
    if (score_ >= 0) return true;
    return ++skipped_ % kProbeEvery == 0;
  }
  /// The read after a send found bytes.
  void found() { score_ = std::min(score_ + 1, kBound); }
  /// The read after a send found nothing (it would have blocked).
  void found_nothing() { score_ = std::max(score_ - 1, -kBound); }

  static constexpr int kBound = 8;
  static constexpr uint32_t kProbeEvery = 16;

 private:
  int score_ = 0;  // hits minus misses over recent tries, within ±kBound
  uint32_t skipped_ = 0;
};

}  // namespace aiperf::transport
