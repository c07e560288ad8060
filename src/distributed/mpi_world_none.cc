// World for a build without OpenMPI: joining fails with a clear message.
#include "distributed/mpi_world.h"

namespace aiperf::distributed {

bool built_with_mpi() { return false; }

Expected<std::unique_ptr<World>> World::join() {
  return fail(ErrorCode::kUnsupported,
              "this aiperf was built without MPI (install libopenmpi-dev and rebuild to run under mpirun)");
}

struct World::Posts {};
World::World(int rank, int size) : rank_(rank), size_(size) {}
World::~World() = default;
void World::post_to_lead(std::string, std::size_t) {}
std::vector<std::pair<int, std::string>> World::take_posted() { return {}; }
std::vector<std::string> World::wait_posted(int, std::size_t) { return {}; }
void World::move_posts_on() {}
void World::finish_posts(int) {}
int64_t World::agree_start_time(int64_t) { return 0; }
bool World::all_agree(std::uint64_t) { return true; }
bool World::all_true(bool value) { return value; }
std::string World::broadcast(std::string_view bytes) { return std::string(bytes); }
std::vector<std::string> World::gather(std::string_view bytes, std::size_t) { return {std::string(bytes)}; }

}  // namespace aiperf::distributed
