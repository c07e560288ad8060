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

}  // namespace aiperf::distributed
