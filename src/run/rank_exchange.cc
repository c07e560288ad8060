#include "run/rank_exchange.h"

#include <chrono>
#include <fstream>
#include <string>

#include "transport/http_client.h"

namespace aiperf::run {
namespace {

// Time for the start broadcast to reach every rank before the start (a barrier plus two
// broadcasts take well under a millisecond on one machine, a few on a cluster's network).
constexpr int64_t kStartLeadNs = 100'000'000;

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RankExchange::RankExchange(distributed::World& world) : world_(world) {
  const std::string mine = boot_id();
  same_clock_ = !mine.empty() && world_.broadcast(mine) == mine;
}

int64_t RankExchange::agree_phase_start() {
  const int64_t wall = world_.agree_start_time(kStartLeadNs);
  const int64_t local = wall - (wall_ns() - transport::now_ns());  // on this rank's monotonic clock
  // One machine: rank 0's conversion, so every rank's stamps are on one clock with one start.
  const std::string lead = world_.broadcast(std::to_string(local));
  return same_clock_ ? std::stoll(lead) : local;
}

}  // namespace aiperf::run
