#include "run/rank_exchange.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <utility>

#include "transport/http_client.h"

namespace aiperf::run {
namespace {

// Time for the start broadcast to reach every rank before the start (a barrier plus two
// broadcasts take well under a millisecond on one machine, a few on a cluster's network).
constexpr int64_t kStartLeadNs = 100'000'000;
// How long a rank other than 0 waits at the end for rank 0 to receive its last batches (rank 0
// receives them all at each phase's gather, so this is only a bound for a rank 0 gone early).
constexpr int kFinishPostsMs = 10'000;

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

RankExchange::RankExchange(distributed::World& world)
    : world_(world), taken_(static_cast<std::size_t>(world.size()), 0) {
  const std::string mine = boot_id();
  same_clock_ = !mine.empty() && world_.broadcast(mine) == mine;
}

RankExchange::~RankExchange() {
  if (!lead()) world_.finish_posts(kFinishPostsMs);
}

void RankExchange::hand_over(std::string batch) {
  world_.post_to_lead(std::move(batch));
  ++handed_over_;
}

void RankExchange::take_arrived() {
  for (auto& [from, batch] : world_.take_posted()) {
    ++taken_[static_cast<std::size_t>(from)];
    arrived_.push_back(std::move(batch));
  }
}

std::vector<std::string> RankExchange::take_handed_over() {
  take_arrived();
  return std::exchange(arrived_, {});
}

// "<batches handed over>\n" before a rank's bytes: rank 0 then waits for exactly those still on the way.
std::vector<std::string> RankExchange::gather(const std::string& bytes) {
  if (!lead()) {
    world_.gather(std::to_string(std::exchange(handed_over_, 0)) + '\n' + bytes);
    return {};
  }
  take_arrived();  // those that arrived before the gather come first, in order
  std::vector<std::string> all = world_.gather(bytes);
  for (std::size_t rank = 1; rank < all.size(); ++rank) {
    std::string& part = all[rank];
    const std::size_t end = part.find('\n');
    const uint64_t handed = end == std::string::npos ? 0 : std::stoull(part.substr(0, end));
    part.erase(0, end == std::string::npos ? 0 : end + 1);
    const uint64_t missing = handed - std::min(handed, taken_[rank]);
    for (auto& batch : world_.wait_posted(static_cast<int>(rank), missing)) arrived_.push_back(std::move(batch));
    taken_[rank] = 0;
  }
  return all;
}

int64_t RankExchange::agree_phase_start() {
  const int64_t wall = world_.agree_start_time(kStartLeadNs);
  const int64_t local = wall - (wall_ns() - transport::now_ns());  // on this rank's monotonic clock
  // One machine: rank 0's conversion, so every rank's stamps are on one clock with one start.
  const std::string lead = world_.broadcast(std::to_string(local));
  return same_clock_ ? std::stoll(lead) : local;
}

}  // namespace aiperf::run
