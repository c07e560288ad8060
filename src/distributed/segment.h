// A deterministic share of one schedule: which requests (or conversations) one
// part of a run sends, when the run is split across event-loop workers
// (`--workers N`) or MPI ranks (`mpirun -np N`). Pure logic, no I/O.
//
// The split is striped, as k6's execution segments are: part `index` of
// `count` owns items index, index+count, index+2·count, … of the schedule's
// sequence. Every part then sees the whole schedule's pace (a request-rate
// schedule stays uniform in each part, not bunched at one end), the parts
// together own every item exactly once, and which part owns item i depends on
// i and the count only, so a split run sends the same requests, with the same
// payloads and send times, as a single-process run of the same seed.
#pragma once

#include <algorithm>
#include <cstdint>

#include "base/error.h"

namespace aiperf::distributed {

/// Part `index` (0-based) of `count` parts of one schedule.
class Segment {
 public:
  /// The whole schedule in one part.
  Segment() = default;
  /// Part `index` of `count`: fails unless 0 <= index < count.
  static Expected<Segment> make(int index, int count);

  int index() const { return index_; }
  int count() const { return count_; }
  bool whole() const { return count_ == 1; }

  /// Whether this part sends item `i` (0-based position in the schedule's sequence).
  bool owns(std::uint64_t i) const { return i % static_cast<std::uint64_t>(count_) == static_cast<std::uint64_t>(index_); }

  /// How many of the first `total` items this part owns: total/count, plus one for the
  /// first total%count parts. Also how a concurrency is shared: the shares sum to `total`.
  std::uint64_t share_of(std::uint64_t total) const;

  /// The position in the whole schedule of this part's `k`-th item (0-based).
  std::uint64_t global_index(std::uint64_t k) const {
    return k * static_cast<std::uint64_t>(count_) + static_cast<std::uint64_t>(index_);
  }

 private:
  Segment(int index, int count) : index_(index), count_(count) {}
  int index_ = 0;
  int count_ = 1;
};

/// A request count shared by conversation rather than by request. When a split run's dataset has
/// multi-turn conversations, a share of the count would cut conversations one process sends whole.
/// Instead every part takes each item of the whole schedule (its own and the other parts', in the
/// schedule's order) with its number of turns: one process starts an item only while the turns of
/// the items before it are under the count, and the item that reaches the count sends only the
/// turns left. Every part keeps the same tally, so together the parts send the count's turns, and
/// the same conversations, as one process whose turns all succeed.
class TurnLedger {
 public:
  /// No count: every item sends all its turns.
  TurnLedger() = default;
  /// The whole run's count of requests (turns); 0 = no count.
  explicit TurnLedger(std::uint64_t whole_count) : count_(whole_count) {}

  bool active() const { return count_ != 0; }
  /// The next item of the whole schedule, of `turns` turns: how many of them are sent (0: none, the
  /// count was reached before it).
  std::uint64_t take(std::uint64_t turns) {
    if (!active()) return turns;
    const std::uint64_t before = taken_;
    taken_ = std::min(count_, taken_ + turns);
    return taken_ - before;
  }
  /// No later item sends anything.
  bool done() const { return active() && taken_ >= count_; }

 private:
  std::uint64_t count_ = 0;
  std::uint64_t taken_ = 0;  // turns of the items taken so far, at most count_
};

}  // namespace aiperf::distributed
