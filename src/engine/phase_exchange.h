// How the parts of one run split across processes (`mpirun -np N aiperf
// profile`: one part per rank) meet at phase boundaries. The engine knows only
// this interface; run/rank_exchange.h implements it over MPI.
//
// Threading and order: every member is called on the thread that runs the
// benchmark loop. The phase-boundary calls (agree_phase_start, gather, all_go_on)
// block until every part has made the same call, so all parts make them in the
// same order (Benchmark guarantees it); hand_over and take_handed_over do not block.
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

  /// Whether a part other than the lead hands its finished requests over during a phase
  /// (hand_over), so that no part holds a whole phase's requests until its end; otherwise
  /// they all travel in the phase end's gather().
  virtual bool hands_over() const { return false; }
  /// A part other than the lead: one batch (a part report, encode_part_report, whose health is
  /// not read) for the lead. Returns at once; called from the part's loop thread.
  virtual void hand_over(std::string batch) { (void)batch; }
  /// The lead: the batches handed over since the last call, each part's in the order it handed
  /// them over. Every batch a part hands over before its gather() is taken by the lead's next call.
  virtual std::vector<std::string> take_handed_over() { return {}; }
  /// A part other than the lead, every 200 ms while a phase runs: moves batches handed over
  /// and still under way on (over MPI a message moves only while its sender is inside MPI).
  virtual void move_on() {}
};

}  // namespace aiperf::engine
