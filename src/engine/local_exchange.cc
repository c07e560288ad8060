#include "engine/local_exchange.h"

#include <utility>

#include "transport/http_client.h"

namespace aiperf::engine {
namespace {

// Workers wake within microseconds of each other: a short lead keeps their first sends together.
constexpr int64_t kStartLeadNs = 2'000'000;

}  // namespace

LocalRendezvous::Round LocalRendezvous::meet(int index, bool flag, std::string bytes) {
  std::unique_lock lock(mutex_);
  slots_[static_cast<std::size_t>(index)] = std::move(bytes);
  round_all_ = round_all_ && flag;
  const uint64_t generation = generation_;
  if (++arrived_ == workers()) {  // the last to arrive closes the round and wakes the others
    result_all_ = round_all_;
    result_start_ns_ = transport::now_ns() + kStartLeadNs;
    result_bytes_ = std::move(slots_);
    slots_.assign(result_bytes_.size(), {});
    arrived_ = 0;
    round_all_ = true;
    ++generation_;
    all_arrived_.notify_all();
  } else {
    all_arrived_.wait(lock, [&] { return generation_ != generation; });
  }
  Round round{result_all_, {}, result_start_ns_};
  if (index == 0) round.bytes = std::move(result_bytes_);  // worker 0 is the lead
  return round;
}

void LocalRendezvous::hand_over(std::string batch) {
  std::lock_guard lock(handed_mutex_);
  handed_.push_back(std::move(batch));
}

std::vector<std::string> LocalRendezvous::take_handed_over() {
  std::lock_guard lock(handed_mutex_);
  return std::exchange(handed_, {});
}

LocalExchange::LocalExchange(std::shared_ptr<LocalRendezvous> rendezvous, int index)
    : rendezvous_(std::move(rendezvous)), index_(index), segment_(*distributed::Segment::make(index, rendezvous_->workers())) {}

std::vector<std::string> LocalExchange::gather(const std::string& bytes) {
  return rendezvous_->meet(index_, true, bytes).bytes;
}

}  // namespace aiperf::engine
