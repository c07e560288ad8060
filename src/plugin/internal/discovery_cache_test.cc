// The discovery cache: served only while every manifest is unchanged.
#include "plugin/internal/discovery_cache.h"
#include "plugin/internal/test_hooks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>

#include "plugin/registry.h"
#include "support/test_support.h"

namespace aiperf::plugin::internal {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

// Every test of this binary gets a private cache directory: none of them reads
// or writes the user's ~/.cache (the tests below use their own, too).
class PrivateCacheHome : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>();
    ::setenv("XDG_CACHE_HOME", dir_->path().c_str(), 1);
  }
  void TearDown() override { dir_.reset(); }

 private:
  std::unique_ptr<TempDir> dir_;
};
[[maybe_unused]] ::testing::Environment* const private_cache_home =
    ::testing::AddGlobalTestEnvironment(new PrivateCacheHome);

std::string manifest_text(std::string_view package, int priority = 0,
                          std::string_view metadata = R"({"k": [1, -2, 2.5, "s", null]})") {
  return std::string(R"({"schema_version": "1.0", "package": ")") + std::string(package) +
         R"(", "version": "1.0.0", "library": "lib)" + std::string(package) +
         R"(.so", "abi": {"major": 1, "minor": 0}, "plugins": {"phase_hook": {")" +
         std::string(package) + R"(": {"symbol": "f", "description": "d", "priority": )" +
         std::to_string(priority) + R"(, "metadata": )" + std::string(metadata) +
         R"(}}, "exporter": {"x": {"symbol": "g"}}}})";
}

// Sets a file's mtime (and so its ctime to now) to `seconds_ago` in the past.
void set_mtime(const fs::path& path, int seconds_ago) {
  struct timespec times[2];
  ::clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= seconds_ago;
  times[1] = times[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

// "p<c>_<m>", appended (GCC 12 -O3 warns, -Wrestrict, about "p" + std::string).
std::string package_name(int c, int m) {
  std::string name = "p";
  name.append(std::to_string(c)).append("_").append(std::to_string(m));
  return name;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class DiscoveryCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("XDG_CACHE_HOME")) old_cache_home_ = old;
    ::setenv("XDG_CACHE_HOME", cache_home_.path().c_str(), 1);
    ::unsetenv(kNoDiscoveryCacheEnv);
    // Files written by a test are seconds old at most: let the cache keep them. A
    // test that rewrites a file then sets its mtime, as a change within one
    // timestamp tick would otherwise keep the key (the racy case the margin covers).
    old_margin_ = set_discovery_cache_racy_margin_for_testing(std::chrono::nanoseconds(0));
  }
  void TearDown() override {
    set_discovery_cache_racy_margin_for_testing(old_margin_);
    ::unsetenv(kNoDiscoveryCacheEnv);
    if (old_cache_home_) ::setenv("XDG_CACHE_HOME", old_cache_home_->c_str(), 1);
    else ::unsetenv("XDG_CACHE_HOME");
  }

  fs::path cache_file() const { return cache_home_.path() / "aiperf" / "discovery.cache"; }

  void write_manifest(std::string_view package, int priority = 0) {
    write_file(plugins_.path() / (std::string(package) + ".aiperf-plugin.json"),
               manifest_text(package, priority));
  }

  struct Result {
    std::unique_ptr<PluginRegistry> registry;
    DiscoveryReport report;
    std::uint64_t parsed = 0;  // manifests parsed by this discovery
  };
  Result discover(std::vector<fs::path> dirs = {}) {
    if (dirs.empty()) dirs.push_back(plugins_.path());
    std::vector<SearchDir> path;
    for (auto& d : dirs) path.push_back({d, PathOrigin::kCommandLine});
    Result r{std::make_unique<PluginRegistry>(), {}, 0};
    auto before = manifest_parse_counts().total;
    r.report = r.registry->discover(path);
    r.parsed = manifest_parse_counts().total - before;
    return r;
  }
  int priority_of(const Result& r, std::string_view name) {
    auto c = r.registry->candidates({"phase_hook", std::string(name)});
    return c.empty() ? -1 : c.front().priority;
  }

  TempDir cache_home_;
  TempDir plugins_;
  std::chrono::nanoseconds old_margin_{};
  std::optional<std::string> old_cache_home_;
};

TEST_F(DiscoveryCacheTest, HugeManifestsDoNotGrowTheCache) {
  write_manifest("alpha");
  discover();
  const auto small = fs::file_size(cache_file());
  // Over the manifest bound: refused unread. Under it but huge: parsed each time, not kept.
  std::string pad(kMaxManifestBytes, 'x');
  write_file(plugins_.path() / "over.aiperf-plugin.json",
             manifest_text("over", 0, "{\"pad\": \"" + pad + "\"}"));
  write_file(plugins_.path() / "under.aiperf-plugin.json",
             manifest_text("under", 0, "{\"pad\": \"" + pad.substr(0, kMaxManifestBytes / 2) + "\"}"));
  for (int pass = 0; pass < 2; ++pass) {
    auto r = discover();
    std::size_t too_large = 0;  // (the manifests' "exporter" entries are skipped, too)
    for (const auto& e : r.report.errors) too_large += e.code == ErrorCode::kTooLarge;
    EXPECT_EQ(too_large, 1u);
    EXPECT_TRUE(r.registry->is_registered("phase_hook", "under"));
    EXPECT_EQ(r.parsed, 1u) << "pass " << pass;  // "under", each time; "alpha" from the cache
    EXPECT_LT(fs::file_size(cache_file()), small + kMaxRecordBytes);
  }
}

TEST_F(DiscoveryCacheTest, UnchangedManifestsAreServedFromTheCache) {
  write_manifest("alpha", 1);
  write_manifest("beta", 2);
  write_manifest("gamma", 3);
  auto first = discover();
  EXPECT_EQ(first.parsed, 3u);
  EXPECT_EQ(first.report.packages, 3u);
  ASSERT_TRUE(fs::exists(cache_file()));
  struct stat st {};
  ASSERT_EQ(::stat(cache_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto second = discover();
  EXPECT_EQ(second.parsed, 0u);  // nothing read or parsed again
  EXPECT_EQ(second.report.packages, 3u);
  EXPECT_EQ(second.report.manifests, 3u);
  // The same registry content, including what a manifest skipped (unknown protocol).
  ASSERT_EQ(second.report.errors.size(), first.report.errors.size());
  for (std::size_t i = 0; i < first.report.errors.size(); ++i) {
    EXPECT_EQ(second.report.errors[i].describe(), first.report.errors[i].describe());
  }
  auto a = first.registry->implementations();
  auto b = second.registry->implementations();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].ref, b[i].ref);
    EXPECT_EQ(a[i].priority, b[i].priority);
    EXPECT_EQ(a[i].description, b[i].description);
    EXPECT_EQ(a[i].symbol, b[i].symbol);
    EXPECT_EQ(a[i].metadata.dump(), b[i].metadata.dump());
    if (a[i].package) {
      EXPECT_EQ(a[i].package->manifest.path, b[i].package->manifest.path);
      EXPECT_EQ(a[i].package->manifest.library, b[i].package->manifest.library);
      EXPECT_EQ(a[i].package->manifest.version, b[i].package->manifest.version);
    }
  }
  const auto& meta = b[0].metadata;  // alpha's
  EXPECT_TRUE(meta["k"][0].is_number_unsigned());  // the types survive, not just the text
  EXPECT_TRUE(meta["k"][1].is_number_integer());
  EXPECT_TRUE(meta["k"][2].is_number_float());
}

TEST_F(DiscoveryCacheTest, ContentChangedWithTheSameSizeIsReadAgain) {
  write_manifest("alpha", 1);
  write_manifest("beta", 2);
  discover();
  auto path = plugins_.path() / "alpha.aiperf-plugin.json";
  auto size = fs::file_size(path);
  write_manifest("alpha", 7);  // same length, other priority
  set_mtime(path, 100);
  ASSERT_EQ(fs::file_size(path), size);
  auto r = discover();
  EXPECT_EQ(r.parsed, 1u);
  EXPECT_EQ(priority_of(r, "alpha"), 7);
  EXPECT_EQ(priority_of(r, "beta"), 2);
  EXPECT_EQ(discover().parsed, 0u);
}

TEST_F(DiscoveryCacheTest, TouchedManifestIsReadAgain) {
  write_manifest("alpha");
  discover();
  set_mtime(plugins_.path() / "alpha.aiperf-plugin.json", 100);
  EXPECT_EQ(discover().parsed, 1u);
  EXPECT_EQ(discover().parsed, 0u);
}

TEST_F(DiscoveryCacheTest, ReplacedFileWithTheSameSizeAndMtimeIsReadAgain) {
  write_manifest("alpha", 1);
  auto path = plugins_.path() / "alpha.aiperf-plugin.json";
  set_mtime(path, 100);
  discover();
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  // Another file (another inode) renamed over it, with the very same size and mtime.
  auto temp = plugins_.path() / "alpha.tmp";
  write_file(temp, manifest_text("alpha", 5));
  struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, temp.c_str(), times, 0), 0);
  fs::rename(temp, path);
  auto r = discover();
  EXPECT_EQ(r.parsed, 1u);
  EXPECT_EQ(priority_of(r, "alpha"), 5);
}

TEST_F(DiscoveryCacheTest, DeletedManifestIsGoneAndAddedOneIsRead) {
  write_manifest("alpha");
  write_manifest("beta");
  discover();
  fs::remove(plugins_.path() / "alpha.aiperf-plugin.json");
  auto removed = discover();
  EXPECT_EQ(removed.parsed, 0u);
  EXPECT_EQ(removed.report.packages, 1u);
  EXPECT_FALSE(removed.registry->is_registered("phase_hook", "alpha"));
  EXPECT_TRUE(removed.registry->is_registered("phase_hook", "beta"));

  write_manifest("aardvark");  // sorts first: before the cached records
  write_manifest("zebra");     // sorts last
  auto added = discover();
  EXPECT_EQ(added.parsed, 2u);
  EXPECT_EQ(added.report.packages, 3u);
  EXPECT_TRUE(added.registry->is_registered("phase_hook", "aardvark"));
  EXPECT_TRUE(added.registry->is_registered("phase_hook", "zebra"));
  EXPECT_EQ(discover().parsed, 0u);
}

TEST_F(DiscoveryCacheTest, BrokenManifestIsReportedEveryTimeAndNeverCached) {
  write_manifest("alpha");
  write_file(plugins_.path() / "broken.aiperf-plugin.json", "{\"package\": ");
  auto first = discover();
  ASSERT_EQ(first.report.errors.size(), 2u);  // malformed + alpha's skipped entry
  auto second = discover();
  EXPECT_EQ(second.parsed, 1u);  // only the broken one, again
  ASSERT_EQ(second.report.errors.size(), 2u);
  EXPECT_EQ(second.report.errors[0].describe(), first.report.errors[0].describe());
}

TEST_F(DiscoveryCacheTest, TrustIsCheckedOnEveryDiscovery) {
  write_manifest("alpha");
  discover();
  auto path = plugins_.path() / "alpha.aiperf-plugin.json";
  fs::permissions(path, fs::perms::others_write, fs::perm_options::add);
  auto r = discover();
  ASSERT_EQ(r.report.errors.size(), 1u);
  EXPECT_EQ(r.report.errors[0].code, ErrorCode::kInsecure);
  EXPECT_NE(r.report.errors[0].message.find("world-writable"), std::string::npos);
  EXPECT_FALSE(r.registry->is_registered("phase_hook", "alpha"));
}

TEST_F(DiscoveryCacheTest, RecentlyChangedManifestsAreNotCached) {
  set_discovery_cache_racy_margin_for_testing(std::chrono::seconds(2));
  write_manifest("alpha");  // changed just now: a second change could keep its timestamps
  EXPECT_EQ(discover().parsed, 1u);
  EXPECT_EQ(discover().parsed, 1u);
  EXPECT_FALSE(fs::exists(cache_file()));  // nothing worth writing
}

TEST_F(DiscoveryCacheTest, GarbageTruncatedOrOtherVersionCacheIsIgnoredAndRewritten) {
  write_manifest("alpha");
  write_manifest("beta");
  discover();
  std::string good = read_text(cache_file());
  ASSERT_GT(good.size(), 100u);
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x5a;
  std::string other_version = good;
  other_version[std::string_view("aiperf discovery cache\n").size()] ^= 0x7f;
  const std::vector<std::string> bad = {
      "", "garbage", std::string(5000, '\xff'), good.substr(0, good.size() / 2),
      good.substr(0, good.size() - 1), flipped, other_version, good + "trailing"};
  for (const auto& content : bad) {
    write_file(cache_file(), content);
    ::chmod(cache_file().c_str(), 0600);
    auto rejected = discovery_cache_counts().rejected;
    auto r = discover();
    EXPECT_EQ(discovery_cache_counts().rejected, rejected + 1);
    EXPECT_EQ(r.parsed, 2u) << content.size();
    EXPECT_EQ(r.report.packages, 2u);
    EXPECT_EQ(read_text(cache_file()), good);  // rewritten
    EXPECT_EQ(discover().parsed, 0u);
  }
}

TEST_F(DiscoveryCacheTest, CacheWritableByOthersIsNotTrusted) {
  write_manifest("alpha");
  discover();
  ::chmod(cache_file().c_str(), 0666);
  EXPECT_EQ(discover().parsed, 1u);
  struct stat st {};
  ASSERT_EQ(::stat(cache_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // replaced by a private one
  EXPECT_EQ(discover().parsed, 0u);
}

TEST_F(DiscoveryCacheTest, UnwritableCacheIsNotAnError) {
  write_manifest("alpha");
  ::setenv("XDG_CACHE_HOME", "/dev/null/cache", 1);
  auto r = discover();
  EXPECT_TRUE(r.report.errors.size() == 1u) << r.report.errors.size();  // the skipped entry
  EXPECT_EQ(r.report.packages, 1u);
  EXPECT_EQ(discover().parsed, 1u);
}

TEST_F(DiscoveryCacheTest, EnvironmentVariableTurnsItOff) {
  write_manifest("alpha");
  ::setenv(kNoDiscoveryCacheEnv, "1", 1);
  EXPECT_EQ(discover().parsed, 1u);
  EXPECT_EQ(discover().parsed, 1u);
  EXPECT_FALSE(fs::exists(cache_file()));
  ::setenv(kNoDiscoveryCacheEnv, "0", 1);  // "0" means on
  discover();
  EXPECT_EQ(discover().parsed, 0u);
}

TEST_F(DiscoveryCacheTest, CacheFileLocation) {
  EXPECT_EQ(discovery_cache_file(), cache_file());
  ::setenv("XDG_CACHE_HOME", "relative/dir", 1);  // ignored, as the XDG spec says
  const char* home = std::getenv("HOME");
  if (home && *home == '/') {
    EXPECT_EQ(discovery_cache_file(), fs::path(home) / ".cache" / "aiperf" / "discovery.cache");
  }
  ::setenv(kNoDiscoveryCacheEnv, "1", 1);
  EXPECT_EQ(discovery_cache_file(), std::nullopt);
}

TEST_F(DiscoveryCacheTest, SeveralDirectoriesShareTheCache) {
  TempDir other;
  write_manifest("alpha");
  write_file(other.path() / "omega.aiperf-plugin.json", manifest_text("omega"));
  EXPECT_EQ(discover({plugins_.path(), other.path()}).parsed, 2u);
  EXPECT_EQ(discover({plugins_.path()}).parsed, 0u);  // keeps the other directory's records
  EXPECT_EQ(discover({other.path()}).parsed, 0u);
  EXPECT_EQ(discover({other.path(), plugins_.path()}).parsed, 0u);
}

TEST_F(DiscoveryCacheTest, ConcurrentProcessesNeverCorruptIt) {
  constexpr int kChildren = 4, kRounds = 25;
  std::vector<std::unique_ptr<TempDir>> dirs;
  std::vector<fs::path> all;
  for (int c = 0; c < kChildren; ++c) {
    dirs.push_back(std::make_unique<TempDir>());
    all.push_back(dirs.back()->path());
    for (int m = 0; m < 20; ++m) {
      write_file(all.back() / (package_name(c, m) + ".aiperf-plugin.json"),
                 manifest_text(package_name(c, m)));
    }
  }
  const time_t base_seconds = std::time(nullptr) - 10000;
  const auto rejected_before = discovery_cache_counts().rejected;
  const auto written_before = discovery_cache_counts().written;
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Each child changes one of its manifests every round, so every discovery
      // writes the shared cache file; all discover every directory.
      int failures = 0;
      auto mine = all[c] / (package_name(c, 0) + ".aiperf-plugin.json");
      for (int round = 1; round <= kRounds; ++round) {
        // Replaced atomically: the other children are reading this directory.
        auto temp = all[c] / "next.tmp";
        write_file(temp, manifest_text(package_name(c, 0), round % 10));
        // A distinct mtime each round: with the racy margin off, a reused inode
        // and a clock tick shared with the last round could otherwise keep the key.
        struct timespec times[2] = {{base_seconds + round, 0}, {base_seconds + round, 0}};
        if (::utimensat(AT_FDCWD, temp.c_str(), times, 0) != 0) ++failures;
        fs::rename(temp, mine);
        PluginRegistry registry;
        std::vector<SearchDir> path;
        for (const auto& d : all) path.push_back({d, PathOrigin::kCommandLine});
        auto report = registry.discover(path);
        auto c0 = registry.candidates({"phase_hook", package_name(c, 0)});
        if (report.packages != all.size() * 20 || c0.empty() || c0[0].priority != round % 10) {
          ++failures;
        }
      }
      // Every read of the shared file found it whole (none ignored as corrupt),
      // and this child's changes were written.
      auto counts = discovery_cache_counts();
      if (counts.rejected != rejected_before || counts.written - written_before < kRounds / 2) {
        failures += 100;
      }
      std::_Exit(failures == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a child saw stale or missing plugins, or a torn cache file: status " << status;
  }
  // The file is whole: a discovery reads from it, and no temporary file is left.
  auto r = discover(all);
  EXPECT_EQ(r.report.packages, all.size() * 20);
  EXPECT_LT(r.parsed, all.size() * 20);
  for (int c = 0; c < kChildren; ++c) {
    EXPECT_EQ(priority_of(r, package_name(c, 0)), kRounds % 10);
  }
  int files = 0;
  for (const auto& entry : fs::directory_iterator(cache_file().parent_path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
  EXPECT_EQ(discover(all).parsed, 0u);
}

}  // namespace
}  // namespace aiperf::plugin::internal
