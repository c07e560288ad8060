// Run under `mpirun -np N` by ctest: every rank joins, shares a schedule of
// 1,000 items, agrees on a start time, wakes at it, and sends rank 0 a report
// plus a 3 MB payload in 64 KiB pieces; then every other rank posts rank 0 batches
// while rank 0 takes them without waiting, and at a second gather says how many it
// posted. Rank 0 checks all of it and exits 1 with one line per fault (0: "ok").
#include <time.h>

#include <cstdio>
#include <string>
#include <vector>

#include "distributed/mpi_world.h"

namespace {

using aiperf::distributed::World;

int64_t realtime_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// "rank owned start woke_late_ns" for rank `r`, then a payload whose bytes say who sent them.
std::string report(const World& world, int64_t start, int64_t woke) {
  std::uint64_t owned = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) owned += world.segment().owns(i) ? 1 : 0;
  std::string line = std::to_string(world.rank()) + ' ' + std::to_string(owned) + ' ' + std::to_string(start) + ' ' +
                     std::to_string(woke - start) + '\n';
  return line + std::string(3'000'000, static_cast<char>('a' + world.rank()));
}

// Rank 0's checks of what every rank sent; returns the number of faults printed.
int check(const std::vector<std::string>& all, int size, int64_t start) {
  int faults = 0;
  auto fault = [&](const std::string& what) { std::printf("fault: %s\n", what.c_str()), ++faults; };
  if (static_cast<int>(all.size()) != size) fault("gathered " + std::to_string(all.size()) + " of " + std::to_string(size));
  std::uint64_t owned_total = 0;
  for (std::size_t r = 0; r < all.size(); ++r) {
    long long rank = -1, owned = 0, their_start = 0, late = 0;
    std::sscanf(all[r].c_str(), "%lld %lld %lld %lld", &rank, &owned, &their_start, &late);
    owned_total += static_cast<std::uint64_t>(owned);
    if (rank != static_cast<long long>(r)) fault("slot " + std::to_string(r) + " holds rank " + std::to_string(rank));
    if (their_start != start) fault("rank " + std::to_string(r) + " has another start time");
    if (late < 0 || late > 200'000'000) fault("rank " + std::to_string(r) + " woke " + std::to_string(late) + " ns off");
    const std::string payload = all[r].substr(all[r].find('\n') + 1);
    if (payload != std::string(3'000'000, static_cast<char>('a' + r))) fault("rank " + std::to_string(r) + " payload torn");
  }
  if (owned_total != 1000) fault("ranks own " + std::to_string(owned_total) + " of 1000 items");
  return faults;
}

constexpr int kPosts = 30;

// Batch `i` of rank `r`: sizes from 0 to ~50 KB, so with 8 KiB pieces most span several.
std::string posted_batch(int r, int i) {
  return std::to_string(r) + ' ' + std::to_string(i) + '\n' +
         std::string(static_cast<std::size_t>(i * 7919 % 50000), static_cast<char>('A' + (r + i) % 26));
}

// Posts: returns the number of faults printed (rank 0), 0 elsewhere.
int check_posts(World& w) {
  if (w.rank() != 0) {
    for (int i = 0; i < kPosts; ++i) w.post_to_lead(posted_batch(w.rank(), i), 8192);
    w.gather(std::to_string(kPosts));
    w.finish_posts(10'000);
    return 0;
  }
  std::vector<std::vector<std::string>> got(static_cast<std::size_t>(w.size()));
  for (int round = 0; round < 5; ++round) {  // while the others post: taken without waiting
    for (auto& [from, batch] : w.take_posted()) got[static_cast<std::size_t>(from)].push_back(std::move(batch));
    const timespec pause{0, 20'000'000};
    ::nanosleep(&pause, nullptr);
  }
  const auto counts = w.gather("0");
  int faults = 0;
  for (int r = 1; r < w.size(); ++r) {
    auto& mine = got[static_cast<std::size_t>(r)];
    const std::size_t posted = std::stoul(counts[static_cast<std::size_t>(r)]);
    for (auto& batch : w.wait_posted(r, posted - mine.size())) mine.push_back(std::move(batch));
    for (int i = 0; i < kPosts; ++i) {
      if (static_cast<std::size_t>(i) >= mine.size() || mine[static_cast<std::size_t>(i)] != posted_batch(r, i)) {
        std::printf("fault: rank %d's post %d is missing, torn or out of order\n", r, i), ++faults;
        break;
      }
    }
  }
  return faults;
}

}  // namespace

int main() {
  if (!aiperf::distributed::launched_by_mpi()) {
    std::printf("not started by mpirun\n");
    return 1;
  }
  auto world = World::join();
  if (!world) {
    std::printf("%s\n", world.error().describe().c_str());
    return 1;
  }
  World& w = **world;
  const bool same = w.all_agree(42) && !w.all_agree(static_cast<std::uint64_t>(w.rank()));
  const bool and_ok = w.all_true(true) && !w.all_true(w.rank() != w.size() - 1);
  const bool broadcast_ok = w.broadcast(w.rank() == 0 ? std::string(100'000, 'z') : "mine") == std::string(100'000, 'z');
  const int64_t start = w.agree_start_time(50'000'000);
  const timespec at{static_cast<time_t>(start / 1'000'000'000), static_cast<long>(start % 1'000'000'000)};
  ::clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, nullptr);
  const auto all = w.gather(report(w, start, realtime_ns()), 64 * 1024);
  if (!broadcast_ok) std::printf("fault: rank %d received another broadcast\n", w.rank());  // any rank: ctest reads all
  int faults = check_posts(w);
  if (w.rank() != 0) return broadcast_ok ? 0 : 1;
  faults += check(all, w.size(), start);
  if (!same && w.size() > 1) std::printf("fault: all_agree wrong\n"), ++faults;
  if (!and_ok) std::printf("fault: all_true wrong\n"), ++faults;
  if (faults == 0) std::printf("ok: %d ranks\n", w.size());
  return faults == 0 ? 0 : 1;
}
