// Phase hooks that segfault, abort, exit or hang, in each of their four places,
// run by the real aiperf against the real mock server: the hook is reported, the
// run ends as if it were absent, and every export is complete.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <tuple>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;

constexpr int kRequests = 6;

// --phase-hook for the fixture hook, quoted for the shell.
std::string fault_hook(const std::string& action, const std::string& at, const std::string& extra = "",
                       const std::string& mark = "") {
  json config = {{"action", action}, {"at", at}};
  if (!extra.empty()) config["path"] = extra;
  if (!mark.empty()) config["mark"] = mark;
  return "--plugin-path '" AIPERF_HOOK_FIXTURE_DIR "/fault' --phase-hook 'fault=" + config.dump() + "' ";
}

// A streaming run (so TTFT is measured). ASan would catch the hook's SIGSEGV itself
// and exit 1; let the signal through.
std::string profile_command(const MockServerProcess& server, const TempDir& dir, const std::string& args) {
  return testing::aiperf_command(testing::profile_args(server, dir) + "--streaming " + args,
                                 "ASAN_OPTIONS=$ASAN_OPTIONS:handle_segv=0");
}

// Every export is there and whole: JSON parsed, CSV with its metric rows, one JSONL line per request.
void expect_complete_exports(const TempDir& dir, const testing::ProfileRun& run, int requests) {
  ASSERT_TRUE(run.aggregate.is_object()) << run.result.err;
  EXPECT_EQ(run.aggregate["request_count"]["avg"], requests);
  EXPECT_EQ(run.aggregate["time_to_first_token"]["count"], requests);
  EXPECT_EQ(run.records.size(), static_cast<std::size_t>(requests));
  auto csv = testing::slurp(dir.path() / "profile_export_aiperf.csv");
  EXPECT_NE(csv.find("Time to First Token"), std::string::npos) << csv;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
  }
}

// What the ✗ line says for each way of dying.
const std::pair<const char*, const char*> kDeaths[] = {{"segv", "crashed: signal 11 (Segmentation fault)"},
                                                       {"abort", "crashed: signal 6 (Aborted)"},
                                                       {"exit3", "exited: status 3"},
                                                       {"_exit0", "exited: status 0"}};

class HookHostE2ETest : public ::testing::TestWithParam<std::tuple<int, const char*>> {};

TEST_P(HookHostE2ETest, LostHookIsReportedAndTheRunEndsAsIfItWereAbsent) {
  const auto& [action, how] = kDeaths[std::get<0>(GetParam())];
  const std::string at = std::get<1>(GetParam());
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto result = testing::run_shell(profile_command(
      server, dir, fault_hook(action, at) + "--warmup-request-count 2 --request-count " + std::to_string(kRequests)));
  auto run = testing::read_run(dir, result);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::string line = std::string("\u2717 phase hook 'fault' ") + how + " in " + at;
  if (at == "constructor" || at == "register_with") line += "; skipped";
  EXPECT_NE(result.err.find(line + "\n"), std::string::npos) << "want: " << line << "\n" << result.err;
  EXPECT_EQ(result.err.find("\u2713 Loaded phase hook: fault"), at == "constructor" || at == "register_with"
                                                                    ? std::string::npos
                                                                    : result.err.find("\u2713"));
  expect_complete_exports(dir, run, kRequests);
  EXPECT_EQ(testing::mock_json(server, "/mock/stats")["requests"], kRequests + 2);
}

INSTANTIATE_TEST_SUITE_P(EveryDeathInEveryPlace, HookHostE2ETest,
                         ::testing::Combine(::testing::Range(0, 4),
                                            ::testing::Values("constructor", "register_with", "phase_start",
                                                              "phase_complete")),
                         [](const auto& p) {
                           std::string name = kDeaths[std::get<0>(p.param)].first;
                           if (name[0] == '_') name = "underscore" + name;
                           return name + "_in_" + std::get<1>(p.param);
                         });

TEST(HookHostE2ETest, ThrowingHookIsReportedAsBeforeInEveryPlace) {
  MockServerProcess server({"--fast"});
  for (const char* at : {"constructor", "register_with", "phase_start", "phase_complete"}) {
    TempDir dir;
    auto result = testing::run_shell(profile_command(server, dir, fault_hook("throw", at) + "--request-count 3"));
    auto run = testing::read_run(dir, result);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::string at_s = at;
    std::string want = at_s == "constructor" || at_s == "register_with"
                           ? "\u2717 Failed to load phase hook 'fault'"
                           : "phase hook 'fault' failed at profiling " + at_s.substr(6);
    EXPECT_NE(result.err.find(want), std::string::npos) << at << "\n" << result.err;
    EXPECT_NE(result.err.find("fault hook told to throw at " + at_s), std::string::npos) << result.err;
    expect_complete_exports(dir, run, 3);
  }
}

// The real 30 s hook timeout: the hung host is killed and the exports follow.
TEST(HookHostE2ETest, HangingHookIsKilledAfterTheHookTimeout) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto started = std::chrono::steady_clock::now();
  auto result = testing::run_shell(profile_command(server, dir, fault_hook("hang", "phase_complete") + "--request-count 3"));
  auto took = std::chrono::steady_clock::now() - started;
  auto run = testing::read_run(dir, result);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("\u2717 phase hook 'fault' hung: no reply within 30000 ms (killed) in phase_complete"),
            std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("did not return within"), std::string::npos) << result.err;  // no second report
  EXPECT_GE(took, std::chrono::seconds(30));
  EXPECT_LT(took, std::chrono::seconds(90));
  expect_complete_exports(dir, run, 3);
}

// Ctrl-C reaches the whole process group; the hook host ignores it, so the hook still
// gets its phase_complete with the cancelled phase's stats.
TEST(HookHostE2ETest, CtrlCStopsTheRunButNotTheHookHost) {
  MockServerProcess server({"--ttft", "10", "--itl", "10"});
  TempDir dir;
  auto events = dir.path() / "events.txt";
  testing::BackgroundCommand aiperf(profile_command(
      server, dir, fault_hook("none", "phase_complete", events.string()) +
                       "--concurrency 2 --osl 20 --benchmark-duration 60 --benchmark-grace-period 5"));
  for (int i = 0; i < 100 && testing::mock_json(server, "/mock/stats")["completed"].get<int>() < 4; ++i) {
    ::usleep(50'000);
  }
  aiperf.signal(SIGINT);
  auto result = aiperf.wait(20'000);
  ASSERT_EQ(result.exit_code, 130) << result.err;
  EXPECT_EQ(result.err.find("\u2717"), std::string::npos) << result.err;
  EXPECT_NE(testing::slurp(events).find("phase_complete profiling"), std::string::npos) << testing::slurp(events);
  EXPECT_TRUE(testing::read_run(dir, result).aggregate["was_cancelled"].get<bool>());
}

// --phase-hook-isolation none keeps the in-process path: same reports for a throwing
// hook, and (the trade-off) a crashing hook takes aiperf down with it — after the exports.
TEST(HookHostE2ETest, InProcessIsolationRunsHooksInAiperfItself) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto events = dir.path() / "events.txt";
  auto result = testing::run_shell(profile_command(
      server, dir, fault_hook("throw", "phase_start", events.string()) + "--phase-hook-isolation none --request-count 3"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("phase hook 'fault' failed at profiling start: fault hook told to throw at phase_start"),
            std::string::npos) << result.err;
  EXPECT_NE(testing::slurp(events).find("phase_complete profiling 3"), std::string::npos);
  expect_complete_exports(dir, testing::read_run(dir, result), 3);

  // The summaries are written before the profiling complete hooks run: a hook that then
  // takes aiperf down loses nothing, and the crash names the hook's library (exit 70).
  for (const char* how : {"abort", "segv"}) {
    TempDir crashed;
    auto down = testing::run_shell(profile_command(
        server, crashed, fault_hook(how, "phase_complete") + "--phase-hook-isolation none --request-count 3"));
    EXPECT_EQ(down.exit_code, 70) << down.err;
    EXPECT_NE(down.err.find("aiperf: crashed: signal"), std::string::npos) << down.err;
    EXPECT_NE(down.err.find("(plugin package aiperf-fixture-fault)"), std::string::npos) << down.err;
    expect_complete_exports(crashed, testing::read_run(crashed, down), 3);
  }
}

// A hook hanging at profiling complete cannot hold the results: they are on disk while it
// hangs, so even a kill -9 then loses nothing.
TEST(HookHostE2ETest, SummariesAreWrittenBeforeTheEndOfRunHooksRun) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  TempDir marks;
  auto hanging = marks.path() / "hanging";
  testing::BackgroundCommand aiperf(profile_command(
      server, dir, fault_hook("hang", "phase_complete", "", hanging.string()) + "--request-count 3"));
  // Killed only once the end-of-run hook is known to hang, not when the first export appears.
  for (int i = 0; i < 400 && !std::filesystem::exists(hanging); ++i) ::usleep(50'000);
  ASSERT_TRUE(std::filesystem::exists(hanging)) << "the end-of-run hook never ran";
  aiperf.signal(SIGKILL);
  auto result = aiperf.wait(10'000);
  expect_complete_exports(dir, testing::read_run(dir, result), 3);
}

}  // namespace
}  // namespace aiperf
