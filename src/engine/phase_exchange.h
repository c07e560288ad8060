// How the parts of one run split across processes (`mpirun -np N aiperf
// profile`: one part per rank) meet at phase boundaries. The engine knows only
// this interface; run/rank_exchange.h implements it over MPI.
//
// Threading and order: every member is called on the thread that runs the
// benchmark loop, and each blocks until every part has made the same call, so
// all parts make the same calls in the same order (Benchmark guarantees it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "distributed/segment.h"

namespace aiperf::engine {

class PhaseExchange {
 public:
  virtual ~PhaseExchange() = default;

  /// This part's share of every schedule; part 0 is the lead (merges and exports).
  virtual distributed::Segment segment() const = 0;
  bool lead() const { return segment().index() == 0; }

  /// The next phase's start, agreed by every part, on this process's monotonic clock
  /// (transport::now_ns), a little in the future.
  virtual int64_t agree_phase_start() = 0;

  /// The lead receives every part's bytes in part order, its own first; the others get none.
  virtual std::vector<std::string> gather(const std::string& bytes) = 0;

  /// Whether every part passed true: all go on to the next step, or none does.
  virtual bool all_go_on(bool mine) = 0;

  /// Whether the parts are threads of one process (their own CPU is then their thread's, not the process's).
  virtual bool parts_share_a_process() const { return false; }
};

}  // namespace aiperf::engine
