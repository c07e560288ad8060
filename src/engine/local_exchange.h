// engine::PhaseExchange between the event-loop workers of one process
// (`--workers N`): each worker's Benchmark runs on its own thread and loop; at
// every phase boundary they meet here. Shared by value: make one
// LocalRendezvous, then one LocalExchange per worker.
//
// Threading: each worker calls its own LocalExchange from its loop thread; a
// phase-boundary call blocks until every worker has made its matching call. The
// other workers hand their finished requests to worker 0 in batches during a
// phase (hand_over), and worker 0 takes them from its loop.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/phase_exchange.h"

namespace aiperf::engine {

/// Where the workers meet: one round at a time, each round a barrier.
class LocalRendezvous {
 public:
  explicit LocalRendezvous(int workers) : slots_(static_cast<std::size_t>(workers)) {}
  int workers() const { return static_cast<int>(slots_.size()); }

  /// Worker `index` arrives with `flag` and `bytes`; returns once all have, with the round's AND of
  /// the flags and (for worker 0) everyone's bytes in worker order. `start_ns`: the round's start
  /// time, set by the last to arrive (now + lead).
  struct Round {
    bool all = true;
    std::vector<std::string> bytes;
    int64_t start_ns = 0;
  };
  Round meet(int index, bool flag, std::string bytes);

  /// A worker's batch for worker 0, and worker 0's take of every batch so far (in arrival order).
  void hand_over(std::string batch);
  std::vector<std::string> take_handed_over();

 private:
  std::mutex handed_mutex_;  // apart from the rounds': a hand-over never waits for a barrier
  std::vector<std::string> handed_;
  std::mutex mutex_;
  std::condition_variable all_arrived_;
  std::vector<std::string> slots_;
  int arrived_ = 0;
  uint64_t generation_ = 0;
  bool round_all_ = true, result_all_ = true;
  int64_t result_start_ns_ = 0;
  std::vector<std::string> result_bytes_;
};

class LocalExchange final : public PhaseExchange {
 public:
  LocalExchange(std::shared_ptr<LocalRendezvous> rendezvous, int index);
  distributed::Segment segment() const override { return segment_; }
  int64_t agree_phase_start() override { return rendezvous_->meet(index_, true, {}).start_ns; }
  std::vector<std::string> gather(const std::string& bytes) override;
  bool all_go_on(bool mine) override { return rendezvous_->meet(index_, mine, {}).all; }
  bool parts_share_a_process() const override { return true; }
  bool hands_over() const override { return true; }
  void hand_over(std::string batch) override { rendezvous_->hand_over(std::move(batch)); }
  std::vector<std::string> take_handed_over() override { return rendezvous_->take_handed_over(); }

 private:
  std::shared_ptr<LocalRendezvous> rendezvous_;
  int index_;
  distributed::Segment segment_;
};

}  // namespace aiperf::engine
