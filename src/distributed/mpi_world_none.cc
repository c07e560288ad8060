// World for a build without OpenMPI: joining fails with a clear message.
#include "distributed/mpi_world.h"

namespace aiperf::distributed {

bool built_with_mpi() { return false; }

Expected<std::unique_ptr<World>> World::join() {
  return fail(ErrorCode::kUnsupported,
              "this aiperf was built without MPI (install libopenmpi-dev and rebuild to run under mpirun)");
}

World::~World() = default;
int64_t World::agree_start_time(int64_t) { return 0; }
bool World::all_agree(std::uint64_t) { return true; }
bool World::all_true(bool value) { return value; }
std::string World::broadcast(std::string_view bytes) { return std::string(bytes); }
std::vector<std::string> World::gather(std::string_view bytes, std::size_t) { return {std::string(bytes)}; }

}  // namespace aiperf::distributed
