// Issue 9's promises about crashes of code that runs inside aiperf, as real
// processes: a plugin sampler that segfaults or aborts mid-run is named in one
// line, aiperf exits with the documented code (70), and the per-request records
// up to the crash are whole; a kill -9 mid-run leaves only whole lines.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;

constexpr int kCrashExitCode = 70;  // README's exit-code table

// Every line of `path` parsed as JSON; a line that does not parse fails the test.
std::vector<json> whole_lines(const std::filesystem::path& path) {
  std::vector<json> out;
  std::string text = testing::slurp(path);
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "file does not end at a line boundary: " << path;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    json parsed = json::parse(line, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "torn line: " << line;
    out.push_back(std::move(parsed));
  }
  return out;
}

std::string crashing_sampler(const std::string& how, int after) {
  json config = {{"after", after}, {"how", how}};
  return "--plugin-path '" AIPERF_FIXTURE_DIR "/crashing_sampler' --dataset-sampling-strategy crash_after "
         "--sampler-config '" + config.dump() + "' ";
}

TEST(CrashE2ETest, CrashInAnInProcessPluginNamesItsLibraryExitsSeventyAndKeepsTheRecords) {
  for (const char* how : {"segv", "abort"}) {
    MockServerProcess server({"--fast"});
    TempDir dir;
    // ASan would report the SIGSEGV itself; let aiperf's handler see it.
    auto r = testing::run_shell(testing::aiperf_command(
        testing::profile_args(server, dir) + crashing_sampler(how, 4) + "--streaming --request-count 20",
        "ASAN_OPTIONS=$ASAN_OPTIONS:handle_segv=0"));
    EXPECT_EQ(r.exit_code, kCrashExitCode) << how << "\n" << r.err;
    std::string signal_part = std::string(how) == "segv" ? "signal 11 (SIGSEGV" : "signal 6 (SIGABRT";
    EXPECT_NE(r.err.find("aiperf: crashed: " + signal_part), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("libfixture_crashing_sampler.so+0x"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("(plugin package aiperf-fixture-crashing-sampler)"), std::string::npos) << r.err;
    // The records of every request that finished before the crash, whole, under the final name.
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "profile_export.jsonl.tmp"));
    auto records = whole_lines(dir.path() / "profile_export.jsonl");
    // One request at a time: the sampler crashes choosing the next one, so every request the
    // server completed has its record.
    EXPECT_EQ(records.size(), testing::mock_json(server, "/mock/stats")["completed"].get<std::size_t>());
    EXPECT_GE(records.size(), 1u);
    for (const auto& record : records) EXPECT_TRUE(record["error"].is_null()) << record;
  }
}

TEST(CrashE2ETest, KillDashNineMidRunLeavesOnlyWholeLines) {
  MockServerProcess server({"--ttft", "2", "--itl", "1"});
  TempDir dir;
  testing::BackgroundCommand aiperf(testing::aiperf_command(
      testing::profile_args(server, dir) + "--streaming --concurrency 16 --osl 30 --benchmark-duration 60"));
  auto temp = dir.path() / "profile_export.jsonl.tmp";
  // Bounded wait until a good number of records is on disk, then kill without warning.
  for (int i = 0; i < 200 && testing::slurp(temp).size() < 50'000; ++i) ::usleep(50'000);
  aiperf.signal(SIGKILL);
  aiperf.wait(10'000);
  auto records = whole_lines(temp);
  EXPECT_GE(records.size(), 10u) << "too few records were written before the kill";
}

}  // namespace
}  // namespace aiperf
