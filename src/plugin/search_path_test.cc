#include "plugin/search_path.h"

#include <gtest/gtest.h>

namespace aiperf::plugin {

TEST(SearchPathTest, OrdersSourcesByPrecedence) {
  SearchPathSources s;
  s.command_line = {"/cli"};
  s.environment = "/env1:/env2";
  s.config = {"/config"};
  s.user_dir = "/user";
  s.prefix_dir = "/prefix";
  auto path = build_search_path(s);
  ASSERT_EQ(path.size(), 6u);
  EXPECT_EQ(path[0].dir, "/cli");
  EXPECT_EQ(path[0].origin, PathOrigin::kCommandLine);
  EXPECT_EQ(path[1].dir, "/env1");
  EXPECT_EQ(path[2].dir, "/env2");
  EXPECT_EQ(path[2].origin, PathOrigin::kEnvironment);
  EXPECT_EQ(path[3].origin, PathOrigin::kConfig);
  EXPECT_EQ(path[4].origin, PathOrigin::kUser);
  EXPECT_EQ(path[5].origin, PathOrigin::kInstallPrefix);
}

TEST(SearchPathTest, DuplicateDirectoryKeepsFirstPlace) {
  SearchPathSources s;
  s.command_line = {"/a"};
  s.environment = "/b::/a/";  // empty element ignored, /a/ is /a
  s.prefix_dir = "/b";
  auto path = build_search_path(s);
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0].dir, "/a");
  EXPECT_EQ(path[1].dir, "/b");
  EXPECT_EQ(path[1].origin, PathOrigin::kEnvironment);
}

TEST(SearchPathTest, DefaultPrefixIsBesideTheExecutable) {
  auto s = default_sources();
  ASSERT_TRUE(s.prefix_dir.has_value());
  EXPECT_TRUE(s.prefix_dir->string().ends_with("aiperf/plugins")) << s.prefix_dir->string();
}

}  // namespace aiperf::plugin
