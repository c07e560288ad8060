#include "export/atomic_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/test_support.h"

namespace aiperf::exporting {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFileTest, WritesWholeFileAndLeavesNoTemporary) {
  testing::TempDir dir;
  write_file_atomically(dir.path() / "a.json", "{\"x\": 1}");
  EXPECT_EQ(slurp(dir.path() / "a.json"), "{\"x\": 1}");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "a.json.tmp"));
  write_file_atomically(dir.path() / "a.json", "2");
  EXPECT_EQ(slurp(dir.path() / "a.json"), "2");
}

TEST(AtomicFileTest, FailureNamesThePath) {
  try {
    write_file_atomically("/nonexistent-dir/x.json", "x");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.json"), std::string::npos);
  }
}

TEST(AtomicFileTest, AppendFileAppearsOnlyOnCommit) {
  testing::TempDir dir;
  auto path = dir.path() / "r.jsonl";
  {
    AtomicAppendFile file(path);
    file.append("one\n");
    EXPECT_FALSE(std::filesystem::exists(path));
    file.append("two\n");
    file.commit();
  }
  EXPECT_EQ(slurp(path), "one\ntwo\n");
  {
    AtomicAppendFile abandoned(dir.path() / "b.jsonl");
    abandoned.append("partial");
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "b.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "b.jsonl.tmp"));
}

TEST(AtomicFileTest, AppendedLinesAreOnDiskAtOnceSoACrashKeepsWholeLines) {
  testing::TempDir dir;
  AtomicAppendFile file(dir.path() / "r.jsonl");
  std::string expected;
  for (int i = 0; i < 3; ++i) {
    std::string line = "{\"n\": " + std::to_string(i) + "}\n";
    file.append(line);
    expected += line;
    // No user-space buffer: what a crash right now would leave is exactly the lines so far.
    EXPECT_EQ(slurp(file.temp_path()), expected);
  }
}

}  // namespace
}  // namespace aiperf::exporting
