// The only translation unit that includes <mpi.h>. libmpi is not linked: it is
// opened by join() (linked, OpenMPI's seven libraries cost every aiperf command
// about 2.5 M instructions of dynamic loading), and its functions and predefined
// handles are resolved by name.
#include <dlfcn.h>
#include <mpi.h>
#include <time.h>

#include <algorithm>
#include <deque>
#include <list>
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
  X(MPI_Recv)                   \
  X(MPI_Isend)                  \
  X(MPI_Irecv)                  \
  X(MPI_Iprobe)                 \
  X(MPI_Probe)                  \
  X(MPI_Get_count)              \
  X(MPI_Test)                   \
  X(MPI_Wait)

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

World::~World() {
  posts_.reset();  // its requests are complete or abandoned before MPI goes
  mpi().MPI_Finalize();
}

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

// Posts. Each piece is one message of kPostTag: a flag byte (1: more pieces of this batch
// follow) and the piece's bytes.
namespace {

struct PostMessage {
  std::string bytes;
  MPI_Request request;
};

constexpr int kPostTag = 3;
constexpr int kMaxProbesPerTake = 256;  // a take_posted() returns even while senders keep posting

// Adds a received piece to `partial`; true (and the batch in `batch`) when it was the last.
bool add_piece(std::string& partial, std::string& piece, std::string& batch) {
  const bool more = !piece.empty() && piece[0] != 0;
  if (partial.empty() && !more) {
    piece.erase(0, 1);
    batch = std::move(piece);
    return true;
  }
  partial.append(piece, piece.empty() ? 0 : 1);
  if (more) return false;
  batch = std::move(partial);
  partial.clear();
  return true;
}

void reap_sent(std::list<PostMessage>& sending) {
  for (auto it = sending.begin(); it != sending.end();) {
    int done = 0;
    mpi().MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
    it = done != 0 ? sending.erase(it) : std::next(it);
  }
}

}  // namespace

struct World::Posts {
  explicit Posts(int size) : receiving(static_cast<std::size_t>(size)), partial(static_cast<std::size_t>(size)) {}
  std::list<PostMessage> sending;                  // a sender's pieces under way
  std::vector<std::deque<PostMessage>> receiving;  // rank 0: per sender, pieces being received, in order
  std::vector<std::string> partial;                // rank 0: per sender, a batch's pieces so far
};

World::World(int rank, int size) : rank_(rank), size_(size), posts_(std::make_unique<Posts>(size)) {}

void World::post_to_lead(std::string bytes, std::size_t piece_bytes) {
  piece_bytes = std::clamp<std::size_t>(piece_bytes, 1, std::size_t{1} << 30);
  std::size_t at = 0;
  do {
    const std::size_t n = std::min(piece_bytes, bytes.size() - at);
    auto& m = posts_->sending.emplace_back();
    m.bytes.reserve(n + 1);
    m.bytes.push_back(at + n < bytes.size() ? 1 : 0);
    m.bytes.append(bytes, at, n);
    mpi().MPI_Isend(m.bytes.data(), static_cast<int>(m.bytes.size()), MPI_CHAR, 0, kPostTag, MPI_COMM_WORLD,
                    &m.request);
    at += n;
  } while (at < bytes.size());
  reap_sent(posts_->sending);
}

std::vector<std::pair<int, std::string>> World::take_posted() {
  for (int i = 0; i < kMaxProbesPerTake; ++i) {  // a receive for every piece that has arrived
    int found = 0, n = 0;
    MPI_Status status;
    mpi().MPI_Iprobe(MPI_ANY_SOURCE, kPostTag, MPI_COMM_WORLD, &found, &status);
    if (found == 0) break;
    mpi().MPI_Get_count(&status, MPI_CHAR, &n);
    auto& m = posts_->receiving[static_cast<std::size_t>(status.MPI_SOURCE)].emplace_back();
    m.bytes.assign(static_cast<std::size_t>(n), '\0');
    mpi().MPI_Irecv(m.bytes.data(), n, MPI_CHAR, status.MPI_SOURCE, kPostTag, MPI_COMM_WORLD, &m.request);
  }
  std::vector<std::pair<int, std::string>> out;
  for (int from = 0; from < size_; ++from) {
    auto& queue = posts_->receiving[static_cast<std::size_t>(from)];
    while (!queue.empty()) {
      int done = 0;
      mpi().MPI_Test(&queue.front().request, &done, MPI_STATUS_IGNORE);
      if (done == 0) break;
      std::string batch;
      if (add_piece(posts_->partial[static_cast<std::size_t>(from)], queue.front().bytes, batch)) {
        out.emplace_back(from, std::move(batch));
      }
      queue.pop_front();
    }
  }
  return out;
}

std::vector<std::string> World::wait_posted(int rank, std::size_t count) {
  std::vector<std::string> out;
  auto& queue = posts_->receiving[static_cast<std::size_t>(rank)];
  std::string& partial = posts_->partial[static_cast<std::size_t>(rank)];
  while (out.size() < count) {
    std::string piece;
    if (!queue.empty()) {  // a receive already posted comes first
      mpi().MPI_Wait(&queue.front().request, MPI_STATUS_IGNORE);
      piece = std::move(queue.front().bytes);
      queue.pop_front();
    } else {
      MPI_Status status;
      int n = 0;
      mpi().MPI_Probe(rank, kPostTag, MPI_COMM_WORLD, &status);
      mpi().MPI_Get_count(&status, MPI_CHAR, &n);
      piece.assign(static_cast<std::size_t>(n), '\0');
      mpi().MPI_Recv(piece.data(), n, MPI_CHAR, rank, kPostTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    std::string batch;
    if (add_piece(partial, piece, batch)) out.push_back(std::move(batch));
  }
  return out;
}

void World::move_posts_on() { reap_sent(posts_->sending); }

void World::finish_posts(int timeout_ms) {
  for (int waited = 0; !posts_->sending.empty() && waited < timeout_ms; ++waited) {
    reap_sent(posts_->sending);
    if (posts_->sending.empty()) break;
    const timespec ms{0, 1'000'000};
    ::nanosleep(&ms, nullptr);
  }
}

}  // namespace aiperf::distributed
