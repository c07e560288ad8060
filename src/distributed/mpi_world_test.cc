// libmpi is opened by World::join(), not at start-up: a process that has not
// joined has none of OpenMPI's libraries mapped.
#include <gtest/gtest.h>
#include <link.h>

#include <string>
#include <vector>

#include "distributed/mpi_world.h"

namespace {

std::vector<std::string> mapped_objects() {
  std::vector<std::string> names;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        if (info->dlpi_name && *info->dlpi_name) static_cast<std::vector<std::string>*>(out)->push_back(info->dlpi_name);
        return 0;
      },
      &names);
  return names;
}

TEST(MpiWorldTest, LibmpiIsNotLoadedUntilJoin) {
  if (!aiperf::distributed::built_with_mpi()) GTEST_SKIP() << "built without MPI";
  // Referenced, so the object file that calls MPI is linked into this test.
  auto join = &aiperf::distributed::World::join;
  ASSERT_NE(join, nullptr);
  for (const auto& name : mapped_objects()) {
    EXPECT_EQ(name.find("libmpi"), std::string::npos) << name;
    EXPECT_EQ(name.find("libopen-pal"), std::string::npos) << name;
  }
}

}  // namespace
