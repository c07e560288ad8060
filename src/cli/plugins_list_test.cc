// `aiperf plugins list` output, byte for byte: the real binary on the fixture
// manifests in testdata/plugins_list/ (overrides, shadowing, priorities, a
// non-ASCII package, skipped entries, broken and duplicate manifests) against
// the output recorded in testdata/ before the listing was made fast.
//
// The recorded files depend on the built-ins too. After an intended change
// (say a new built-in endpoint), regenerate them from the testdata directory:
//   d=$(mktemp -d) && cp -r src/cli/testdata/plugins_list "$d/plugins" && chmod -R go-w "$d" &&
//   (cd "$d" && XDG_DATA_HOME=/nonexistent XDG_CACHE_HOME="$d/cache" build/bin/aiperf
//    --plugin-path plugins plugins list) > src/cli/testdata/plugins_list.out 2> .../plugins_list.err
// (and likewise for the other *.out files, see kCases below).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <chrono>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A private directory with the fixture manifests under plugins/ (not group- or
// world-writable, whatever the checkout's modes) and an empty discovery cache.
class ListFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "aiperf-plugins-list-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::create_directory(dir_ / "plugins");
    for (const auto& entry : fs::directory_iterator(testdata() / "plugins_list")) {
      fs::copy_file(entry.path(), dir_ / "plugins" / entry.path().filename());
      ::chmod((dir_ / "plugins" / entry.path().filename()).c_str(), 0644);
    }
    ::chmod(dir_.c_str(), 0755);
    ::chmod((dir_ / "plugins").c_str(), 0755);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static fs::path testdata() { return fs::path(AIPERF_SOURCE_DIR) / "src/cli/testdata"; }

  // `aiperf --plugin-path plugins ARGS` in the fixture directory: the relative
  // search path makes every manifest path (and so every column width) the same
  // wherever the test runs.
  Output aiperf(const std::string& args) {
    std::string out = (dir_ / "stdout").string(), err = (dir_ / "stderr").string();
    std::string cmd = "cd '" + dir_.string() + "' && env -u AIPERF_PLUGIN_PATH -u " +
                      "AIPERF_ALLOW_INSECURE_PLUGINS -u AIPERF_NO_DISCOVERY_CACHE " +
                      "XDG_DATA_HOME=/nonexistent XDG_CACHE_HOME='" + (dir_ / "cache").string() +
                      "' '" + AIPERF_BIN + "' --plugin-path plugins " + args + " >'" + out +
                      "' 2>'" + err + "'";
    int status = std::system(cmd.c_str());
    Output r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  fs::path dir_;
};

struct Case {
  const char* args;
  const char* expected;  // file in testdata/
};
constexpr Case kCases[] = {
    {"plugins list", "plugins_list.out"},
    {"plugins list Phase-Hook", "plugins_list_phase_hook.out"},
    {"plugins list collector", "plugins_list_collector.out"},
    {"plugins list --json", "plugins_list_json.out"},
};

TEST_F(ListFixture, TableIsByteIdenticalToTheRecordedOutput) {
  auto r = aiperf("plugins list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(testdata() / "plugins_list.out"));
  EXPECT_EQ(r.err, slurp(testdata() / "plugins_list.err"));
}

TEST_F(ListFixture, EveryListingIsByteIdenticalWithColdAndWarmCache) {
  // Manifests changed within 2 s are not cached ("racy"); past that, the first
  // run caches them all and the second lists from the cache.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& c : kCases) {
      auto r = aiperf(c.args);
      ASSERT_EQ(r.exit_code, 0) << c.args << ": " << r.err;
      EXPECT_EQ(r.out, slurp(testdata() / c.expected)) << c.args << ", pass " << pass;
    }
    if (pass == 0) {
      EXPECT_TRUE(fs::exists(dir_ / "cache/aiperf/discovery.cache"));
    }
  }
}

TEST_F(ListFixture, UnknownProtocolIsAnErrorWithNoTable) {
  auto r = aiperf("plugins list exporter");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error: unknown protocol 'exporter'"), std::string::npos) << r.err;
}

}  // namespace
