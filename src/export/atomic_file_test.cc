#include "export/atomic_file.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

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

std::string numbered_line(int i) { return "{\"n\": " + std::to_string(i) + "}\n"; }

TEST(AtomicFileTest, LinesAreGatheredUntilTheBufferFillsThenWrittenWhole) {
  testing::TempDir dir;
  AtomicAppendFile file(dir.path() / "r.jsonl");
  std::string expected;
  int i = 0;
  while (expected.size() + numbered_line(i).size() <= AtomicAppendFile::kGatherBytes) {
    expected += numbered_line(i);
    file.append(numbered_line(i++));
  }
  EXPECT_EQ(slurp(file.temp_path()), "") << "all gathered: no write yet";
  file.append(numbered_line(i));
  EXPECT_EQ(slurp(file.temp_path()), expected) << "the full buffer is written, the new line gathered";
  file.flush();
  EXPECT_EQ(slurp(file.temp_path()), expected + numbered_line(i));
}

TEST(AtomicFileTest, GatheredLinesOlderThanTheDelayAreWrittenAtTheNextAppend) {
  testing::TempDir dir;
  AtomicAppendFile file(dir.path() / "r.jsonl");
  file.append(numbered_line(0));
  std::this_thread::sleep_for(std::chrono::nanoseconds(AtomicAppendFile::kMaxDelayNs) + std::chrono::milliseconds(20));
  file.append(numbered_line(1));
  EXPECT_EQ(slurp(file.temp_path()), numbered_line(0) + numbered_line(1));
}

TEST(AtomicFileTest, ALineLargerThanTheBufferKeepsItsPlaceBetweenTheOthers) {
  testing::TempDir dir;
  const auto path = dir.path() / "r.jsonl";
  AtomicAppendFile file(path);
  const std::string big = std::string(AtomicAppendFile::kGatherBytes + 10, 'x') + "\n";
  file.append("a\n");
  file.append(big);
  file.append("b\n");
  file.commit();
  EXPECT_EQ(slurp(path), "a\n" + big + "b\n");
}

TEST(AtomicFileTest, TheCrashWriteWritesEveryGatheredLineAndFreezesTheFile) {
  testing::TempDir dir;
  AtomicAppendFile file(dir.path() / "r.jsonl");
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    file.append(numbered_line(i));
    expected += numbered_line(i);
  }
  AtomicAppendFile::write_gathered_for_crash(&file);
  EXPECT_EQ(slurp(file.temp_path()), expected);
  file.append(numbered_line(5));
  file.flush();
  EXPECT_EQ(slurp(file.temp_path()), expected) << "nothing is written after the crash write";
}

// The crash write comes from another thread at any moment of the owner's appends and flushes:
// the file is then lines 0..k, each once, in order, with no torn line.
TEST(AtomicFileTest, ACrashWriteDuringAppendsLeavesEveryLineOnceInOrder) {
  for (int trial = 0; trial < 20; ++trial) {
    testing::TempDir dir;
    AtomicAppendFile file(dir.path() / "r.jsonl");
    std::atomic<int> appended{0};
    std::thread owner([&] {
      for (int i = 0; i < 200000; ++i) {
        file.append(numbered_line(i));
        appended.store(i + 1);
        if (i % 997 == 0) file.flush();
      }
    });
    while (appended.load() < 1000 + trial * 3000) std::this_thread::yield();
    AtomicAppendFile::write_gathered_for_crash(&file);
    const int before = appended.load();
    owner.join();
    std::istringstream in(slurp(file.temp_path()));
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ASSERT_EQ(line + "\n", numbered_line(n)) << "trial " << trial;
      ++n;
    }
    EXPECT_GE(n, 1000 + trial * 3000) << "every line appended before the crash write is in the file";
    EXPECT_LE(n, before + 1) << "at most the append under way joins them";
  }
}

}  // namespace
}  // namespace aiperf::exporting
