// The only translation unit that includes <mpi.h>.
#include <mpi.h>
#include <time.h>

#include <algorithm>
#include "distributed/mpi_world.h"

namespace aiperf::distributed {

bool built_with_mpi() { return true; }

Expected<std::unique_ptr<World>> World::join() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised != 0) return fail(ErrorCode::kInternal, "MPI joined twice in one process");
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    return fail(ErrorCode::kInternal, "MPI_Init_thread failed");
  }
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    return fail(ErrorCode::kInternal, "this MPI library cannot give MPI_THREAD_FUNNELED");
  }
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<World>(new World(rank, size));
}

World::~World() { MPI_Finalize(); }

int64_t World::agree_start_time(int64_t lead_ns) {
  MPI_Barrier(MPI_COMM_WORLD);
  long long start = 0;
  if (rank_ == 0) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    start = static_cast<long long>(now.tv_sec) * 1'000'000'000 + now.tv_nsec + lead_ns;
  }
  MPI_Bcast(&start, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  return static_cast<int64_t>(start);
}

bool World::all_agree(std::uint64_t value) {
  unsigned long long mine = value, least = 0, most = 0;
  MPI_Allreduce(&mine, &least, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&mine, &most, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  return least == most;
}

bool World::all_true(bool value) {
  int mine = value ? 1 : 0, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  return all != 0;
}

std::string World::broadcast(std::string_view bytes) {
  unsigned long long size = bytes.size();
  MPI_Bcast(&size, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  std::string out = rank_ == 0 ? std::string(bytes) : std::string(size, '\0');
  constexpr std::size_t kPiece = std::size_t{1} << 30;  // an MPI count is an int
  for (std::size_t at = 0; at < out.size(); at += kPiece) {
    MPI_Bcast(out.data() + at, static_cast<int>(std::min(kPiece, out.size() - at)), MPI_CHAR, 0, MPI_COMM_WORLD);
  }
  return out;
}

namespace {

constexpr int kSizeTag = 1, kPieceTag = 2;

void send_bytes(std::string_view bytes, std::size_t piece_bytes) {
  unsigned long long size = bytes.size();
  MPI_Send(&size, 1, MPI_UNSIGNED_LONG_LONG, 0, kSizeTag, MPI_COMM_WORLD);
  for (std::size_t at = 0; at < bytes.size(); at += piece_bytes) {
    const auto n = static_cast<int>(std::min(piece_bytes, bytes.size() - at));
    MPI_Send(bytes.data() + at, n, MPI_CHAR, 0, kPieceTag, MPI_COMM_WORLD);
  }
}

std::string receive_bytes(int from, std::size_t piece_bytes) {
  unsigned long long size = 0;
  MPI_Recv(&size, 1, MPI_UNSIGNED_LONG_LONG, from, kSizeTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  std::string bytes(size, '\0');
  for (std::size_t at = 0; at < bytes.size(); at += piece_bytes) {
    const auto n = static_cast<int>(std::min(piece_bytes, bytes.size() - at));
    MPI_Recv(bytes.data() + at, n, MPI_CHAR, from, kPieceTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  return bytes;
}

}  // namespace

std::vector<std::string> World::gather(std::string_view bytes, std::size_t piece_bytes) {
  // An MPI count is an int: pieces stay below 2 GiB whatever the caller asks.
  piece_bytes = std::clamp<std::size_t>(piece_bytes, 1, std::size_t{1} << 30);
  if (rank_ != 0) {
    send_bytes(bytes, piece_bytes);
    return {};
  }
  std::vector<std::string> all;
  all.reserve(static_cast<std::size_t>(size_));
  all.emplace_back(bytes);
  for (int from = 1; from < size_; ++from) all.push_back(receive_bytes(from, piece_bytes));
  return all;
}

}  // namespace aiperf::distributed
