// engine::PhaseExchange over the ranks of an MPI job: phases start at one
// agreed time and rank 0 gathers every rank's phase report. On one machine
// (every rank's boot id equals rank 0's) all ranks use rank 0's monotonic start
// itself, so records need no clock shift; across machines each rank converts
// the agreed wall-clock start to its own monotonic clock.
#pragma once

#include <memory>

#include "distributed/mpi_world.h"
#include "engine/phase_exchange.h"

namespace aiperf::run {

class RankExchange final : public engine::PhaseExchange {
 public:
  /// `world` outlives the exchange. Collective: every rank constructs one.
  explicit RankExchange(distributed::World& world);

  distributed::Segment segment() const override { return world_.segment(); }
  int64_t agree_phase_start() override;
  std::vector<std::string> gather(const std::string& bytes) override { return world_.gather(bytes); }
  bool all_go_on(bool mine) override { return world_.all_true(mine); }

  /// Rank 0's `mine`, on every rank (e.g. the run's request-id token).
  std::string lead_value(const std::string& mine) { return world_.broadcast(mine); }

 private:
  distributed::World& world_;
  bool same_clock_ = false;  // this rank shares rank 0's monotonic clock (same boot of the same machine)
};

}  // namespace aiperf::run
