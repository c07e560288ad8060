// engine::PhaseExchange over the ranks of an MPI job: phases start at one
// agreed time and rank 0 gathers every rank's phase report. On one machine
// (every rank's boot id equals rank 0's) all ranks use rank 0's monotonic start
// itself, so records need no clock shift; across machines each rank converts
// the agreed wall-clock start to its own monotonic clock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "distributed/mpi_world.h"
#include "engine/phase_exchange.h"

namespace aiperf::run {

class RankExchange final : public engine::PhaseExchange {
 public:
  /// `world` outlives the exchange. Collective: every rank constructs one.
  explicit RankExchange(distributed::World& world);
  /// A rank other than 0 first waits (boundedly) for rank 0 to receive its last batches.
  ~RankExchange() override;

  distributed::Segment segment() const override { return world_.segment(); }
  int64_t agree_phase_start() override;
  /// The other ranks' bytes travel with the count of batches they handed over in the phase;
  /// rank 0 receives the batches still on the way before returning.
  std::vector<std::string> gather(const std::string& bytes) override;
  bool all_go_on(bool mine) override { return world_.all_true(mine); }

  /// Ranks hand their finished requests to rank 0 during a phase, as MPI posts (World::post_to_lead).
  bool hands_over() const override { return true; }
  void hand_over(std::string batch) override;
  std::vector<std::string> take_handed_over() override;
  void move_on() override { world_.move_posts_on(); }

  /// Rank 0's `mine`, on every rank (e.g. the run's request-id token).
  std::string lead_value(const std::string& mine) { return world_.broadcast(mine); }

 private:
  void take_arrived();  // rank 0: the posts received so far, into arrived_

  distributed::World& world_;
  bool same_clock_ = false;  // this rank shares rank 0's monotonic clock (same boot of the same machine)
  uint64_t handed_over_ = 0;          // a rank other than 0: batches posted in this phase
  std::vector<uint64_t> taken_;       // rank 0: per rank, batches taken in this phase
  std::vector<std::string> arrived_;  // rank 0: batches received at the phase's gather, not yet taken
};

}  // namespace aiperf::run
