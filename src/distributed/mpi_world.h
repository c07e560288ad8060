// The ranks of an `mpirun -np N aiperf profile …` job, as the run sees them:
// which rank this process is, a barrier that also agrees on one start time,
// a gather of byte strings to rank 0 (which merges and exports), and posts:
// batches sent to rank 0 without waiting while both ranks go on working.
//
// Threading: MPI is initialised with MPI_THREAD_FUNNELED, so every member is
// called from the thread that joined (the run's main thread), never from an
// event loop. A plain `aiperf` (not started by mpirun) never initialises MPI.
// <mpi.h> is included by mpi_world.cc alone; a build without OpenMPI compiles
// mpi_world_none.cc instead, whose join() fails with kUnsupported.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "distributed/segment.h"

namespace aiperf::distributed {

/// Whether mpirun/mpiexec started this process (OpenMPI's OMPI_COMM_WORLD_SIZE, or PMIx's
/// PMIX_RANK, in the environment).
inline bool launched_by_mpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

/// Whether this aiperf was built with MPI support.
bool built_with_mpi();

/// This process's membership of the MPI job; MPI_Finalize when destroyed.
class World {
 public:
  /// Initialises MPI (at most once per process). Fails with kUnsupported in a build
  /// without MPI, kInternal if MPI_Init_thread fails or cannot give FUNNELED.
  static Expected<std::unique_ptr<World>> join();
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  /// This rank's share of every schedule: part rank() of size().
  Segment segment() const { return *Segment::make(rank_, size_); }

  /// Blocks until every rank has called it; returns, on every rank, the same CLOCK_REALTIME
  /// nanoseconds: rank 0's clock once all arrived, plus `lead_ns` (time for the broadcast to
  /// land). Ranks on different machines rely on their clocks being synchronised (NTP/PTP).
  int64_t agree_start_time(int64_t lead_ns);

  /// Whether every rank passed the same value (e.g. a digest of its options).
  bool all_agree(std::uint64_t value);

  /// Whether every rank passed true (a logical AND over the ranks), on every rank.
  bool all_true(bool value);

  /// Every rank receives rank 0's `bytes` (what the other ranks pass is ignored).
  std::string broadcast(std::string_view bytes);

  /// Rank 0 receives every rank's bytes, its own included, in rank order; the other ranks
  /// get an empty vector. Sent in pieces of at most `piece_bytes`, so a rank's bytes may
  /// exceed MPI's int counts.
  std::vector<std::string> gather(std::string_view bytes, std::size_t piece_bytes = std::size_t{1} << 30);

  // Posts: batches a rank sends rank 0 while both go on working (no call blocks but wait_posted
  // and finish_posts). They travel in messages of their own tag, apart from the collectives, in
  // pieces of at most `piece_bytes`; one rank's posts are received in the order it posted them.
  // Without an MPI progress thread a message moves on only while its two ranks are inside MPI,
  // so each post and each take_posted() also moves earlier ones on, and a blocking collective
  // (gather, a barrier) moves them all.

  /// A rank other than 0: starts sending `bytes` to rank 0 and returns at once; World keeps
  /// them until delivered.
  void post_to_lead(std::string bytes, std::size_t piece_bytes = std::size_t{1} << 30);
  /// Rank 0: the posts received so far, without waiting: (rank, bytes), each rank's in order.
  std::vector<std::pair<int, std::string>> take_posted();
  /// Rank 0: waits for the next `count` posts of `rank` that take_posted() has not returned
  /// (the sender's count says how many are still on the way); returns them in order.
  std::vector<std::string> wait_posted(int rank, std::size_t count);
  /// A rank other than 0: moves its posts under way on, without waiting (frees those delivered).
  void move_posts_on();
  /// A rank other than 0: waits until rank 0 has received every post (at most `timeout_ms`).
  void finish_posts(int timeout_ms);

 private:
  World(int rank, int size);
  int rank_ = 0;
  int size_ = 1;
  struct Posts;  // the MPI requests under way (mpi_world.cc)
  std::unique_ptr<Posts> posts_;
};

}  // namespace aiperf::distributed
