// The only translation unit that includes <mpi.h>. libmpi is not linked: it is
// opened by join() (linked, OpenMPI's seven libraries cost every aiperf command
// about 2.5 M instructions of dynamic loading), and its functions and predefined
// handles are resolved by name.
#include <dlfcn.h>
#include <mpi.h>
#include <time.h>

#include <algorithm>
#include <string>

#include "distributed/mpi_world.h"

namespace aiperf::distributed {
namespace {

#define AIPERF_MPI_FUNCTIONS(X) \
  X(MPI_Initialized)            \
  X(MPI_Init_thread)            \
  X(MPI_Finalize)               \
  X(MPI_Comm_rank)              \
  X(MPI_Comm_size)              \
  X(MPI_Barrier)                \
  X(MPI_Bcast)                  \
  X(MPI_Allreduce)              \
  X(MPI_Send)                   \
  X(MPI_Recv)

struct Mpi {
#define AIPERF_DECLARE(f) decltype(&::f) f = nullptr;
  AIPERF_MPI_FUNCTIONS(AIPERF_DECLARE)
#undef AIPERF_DECLARE
  void* lib = nullptr;
  std::string error;  // why it could not be opened; empty when it was
};

// RTLD_GLOBAL: OpenMPI's components, which it dlopens, use libmpi's symbols.
void* open_mpi(std::string& error) {
  void* lib = ::dlopen(AIPERF_MPI_SONAME, RTLD_NOW | RTLD_GLOBAL);
  if (lib == nullptr) lib = ::dlopen(AIPERF_MPI_DIR "/" AIPERF_MPI_SONAME, RTLD_NOW | RTLD_GLOBAL);
  if (lib == nullptr) error = std::string("cannot open the MPI library " AIPERF_MPI_SONAME ": ") + ::dlerror();
  return lib;
}

// libmpi's functions, resolved once.
const Mpi& mpi() {
  static const Mpi api = [] {
    Mpi m;
    m.lib = open_mpi(m.error);
    if (m.lib == nullptr) return m;
#define AIPERF_RESOLVE(f)                                         \
  m.f = reinterpret_cast<decltype(m.f)>(::dlsym(m.lib, #f));      \
  if (m.f == nullptr && m.error.empty()) m.error = "the MPI library has no " #f;
    AIPERF_MPI_FUNCTIONS(AIPERF_RESOLVE)
#undef AIPERF_RESOLVE
    return m;
  }();
  return api;
}

// A predefined handle (OpenMPI: the address of a global in libmpi), once joined.
[[maybe_unused]] void* mpi_global(const char* name) { return ::dlsym(mpi().lib, name); }

}  // namespace

// OpenMPI's MPI_COMM_WORLD, MPI_CHAR, MPI_MIN... name libmpi's globals through this
// macro, so they are looked up instead of linked. (MPICH's are constants.)
#ifdef OMPI_PREDEFINED_GLOBAL
#undef OMPI_PREDEFINED_GLOBAL
#define OMPI_PREDEFINED_GLOBAL(type, global) (static_cast<type>(mpi_global(#global)))
#endif

bool built_with_mpi() { return true; }

Expected<std::unique_ptr<World>> World::join() {
  if (!mpi().error.empty()) return fail(ErrorCode::kUnsupported, mpi().error);
  int initialised = 0;
  mpi().MPI_Initialized(&initialised);
  if (initialised != 0) return fail(ErrorCode::kInternal, "MPI joined twice in one process");
  int provided = 0;
  if (mpi().MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    return fail(ErrorCode::kInternal, "MPI_Init_thread failed");
  }
  if (provided < MPI_THREAD_FUNNELED) {
    mpi().MPI_Finalize();
    return fail(ErrorCode::kInternal, "this MPI library cannot give MPI_THREAD_FUNNELED");
  }
  int rank = 0, size = 1;
  mpi().MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  mpi().MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<World>(new World(rank, size));
}

World::~World() { mpi().MPI_Finalize(); }

int64_t World::agree_start_time(int64_t lead_ns) {
  mpi().MPI_Barrier(MPI_COMM_WORLD);
  long long start = 0;
  if (rank_ == 0) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    start = static_cast<long long>(now.tv_sec) * 1'000'000'000 + now.tv_nsec + lead_ns;
  }
  mpi().MPI_Bcast(&start, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  return static_cast<int64_t>(start);
}

bool World::all_agree(std::uint64_t value) {
  unsigned long long mine = value, least = 0, most = 0;
  mpi().MPI_Allreduce(&mine, &least, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
  mpi().MPI_Allreduce(&mine, &most, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  return least == most;
}

bool World::all_true(bool value) {
  int mine = value ? 1 : 0, all = 0;
  mpi().MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  return all != 0;
}

std::string World::broadcast(std::string_view bytes) {
  unsigned long long size = bytes.size();
  mpi().MPI_Bcast(&size, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  std::string out = rank_ == 0 ? std::string(bytes) : std::string(size, '\0');
  constexpr std::size_t kPiece = std::size_t{1} << 30;  // an MPI count is an int
  for (std::size_t at = 0; at < out.size(); at += kPiece) {
    mpi().MPI_Bcast(out.data() + at, static_cast<int>(std::min(kPiece, out.size() - at)), MPI_CHAR, 0, MPI_COMM_WORLD);
  }
  return out;
}

namespace {

constexpr int kSizeTag = 1, kPieceTag = 2;

void send_bytes(std::string_view bytes, std::size_t piece_bytes) {
  unsigned long long size = bytes.size();
  mpi().MPI_Send(&size, 1, MPI_UNSIGNED_LONG_LONG, 0, kSizeTag, MPI_COMM_WORLD);
  for (std::size_t at = 0; at < bytes.size(); at += piece_bytes) {
    const auto n = static_cast<int>(std::min(piece_bytes, bytes.size() - at));
    mpi().MPI_Send(bytes.data() + at, n, MPI_CHAR, 0, kPieceTag, MPI_COMM_WORLD);
  }
}

std::string receive_bytes(int from, std::size_t piece_bytes) {
  unsigned long long size = 0;
  mpi().MPI_Recv(&size, 1, MPI_UNSIGNED_LONG_LONG, from, kSizeTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  std::string bytes(size, '\0');
  for (std::size_t at = 0; at < bytes.size(); at += piece_bytes) {
    const auto n = static_cast<int>(std::min(piece_bytes, bytes.size() - at));
    mpi().MPI_Recv(bytes.data() + at, n, MPI_CHAR, from, kPieceTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
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
