// The hook host client against a real child process: the fake hook host of
// tests/fixtures/hooks, whose built-in phase_hook:fault fails where told.
#include "hooks/hook_host_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

namespace aiperf::hooks {
namespace {

using nlohmann::json;

// Collects the ✗ lines a client reports.
struct Reports {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::string all() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

// Under ASan the host would catch the fixture's SIGSEGV itself and exit 1: let it through.
void let_segv_through_in_hosts() {
  static bool done = [] {
    const char* asan = std::getenv("ASAN_OPTIONS");
    std::string value = asan ? std::string(asan) + ":handle_segv=0" : "handle_segv=0";
    return ::setenv("ASAN_OPTIONS", value.c_str(), 1) == 0;
  }();
  (void)done;
}

HookHostOptions options(Reports& reports, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  let_segv_through_in_hosts();
  HookHostOptions o;
  o.executable = FAULT_HOOK_HOST;
  o.timeout = timeout;
  o.report = [&reports](const std::string& line) {
    std::lock_guard lock(reports.mutex);
    reports.lines.push_back(line);
  };
  return o;
}

PhaseStats stats(std::string phase, uint64_t completed) {
  PhaseStats s;
  s.phase = std::move(phase);
  s.requests_completed = completed;
  s.metrics.push_back({"time_to_first_token", "ms", completed, 1, 1, 1, 0, 1, 1, 1, 1});
  return s;
}

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::pair<const char*, const char*> kDeaths[] = {{"segv", "crashed: signal 11 (Segmentation fault)"},
                                                       {"abort", "crashed: signal 6 (Aborted)"},
                                                       {"exit3", "exited: status 3"},
                                                       {"_exit0", "exited: status 0"}};

TEST(HookHostClientTest, ForwardsEachPhaseCallbackWithItsStats) {
  Reports reports;
  PhaseHookRegistry registry;
  auto path = temp_file("hook-host-calls");
  std::filesystem::remove(path);
  auto hook = load_isolated_hook(registry, options(reports), "fault",
                                 {{"action", "none"}, {"at", "phase_complete"}, {"path", path.string()}});
  ASSERT_TRUE(hook) << hook.error().describe();
  EXPECT_EQ(registry.size(), 2u);
  EXPECT_TRUE(registry.fire_phase_start(stats("warmup", 0)).empty());
  EXPECT_TRUE(registry.fire_phase_complete(stats("profiling", 7)).empty());
  EXPECT_EQ(slurp(path), "phase_start warmup 0 1\nphase_complete profiling 7 1\n");
  EXPECT_TRUE((*hook)->client().alive());
  EXPECT_EQ(reports.all(), "");
  std::filesystem::remove(path);
}

TEST(HookHostClientTest, HostLostWhileLoadingIsCrashedNamingHowAndWhere) {
  for (const auto& [action, how] : kDeaths) {
    for (const char* at : {"constructor", "register_with"}) {
      Reports reports;
      PhaseHookRegistry registry;
      auto hook = load_isolated_hook(registry, options(reports), "fault", {{"action", action}, {"at", at}});
      ASSERT_FALSE(hook) << action << " at " << at;
      EXPECT_EQ(hook.error().code, ErrorCode::kCrashed);
      EXPECT_EQ(hook.error().message, std::string("phase hook 'fault' ") + how + " in " + at);
      EXPECT_EQ(registry.size(), 0u);
    }
  }
}

TEST(HookHostClientTest, HostLostInACallbackIsReportedOnceAndTheHookSkippedAfter) {
  for (const auto& [action, how] : kDeaths) {
    for (const char* at : {"phase_start", "phase_complete"}) {
      Reports reports;
      PhaseHookRegistry registry;
      auto hook = load_isolated_hook(registry, options(reports), "fault", {{"action", action}, {"at", at}});
      ASSERT_TRUE(hook) << hook.error().describe();
      for (const char* phase : {"warmup", "profiling"}) {
        EXPECT_TRUE(registry.fire_phase_start(stats(phase, 0)).empty());
        EXPECT_TRUE(registry.fire_phase_complete(stats(phase, 3)).empty());
      }
      EXPECT_FALSE((*hook)->client().alive());
      EXPECT_EQ(reports.all(), std::string("\u2717 phase hook 'fault' ") + how + " in " + at + "\n");
    }
  }
}

TEST(HookHostClientTest, ThrowingCallbackFailsThatCallOnlyAndTheHostLives) {
  Reports reports;
  PhaseHookRegistry registry;
  auto hook = load_isolated_hook(registry, options(reports), "fault",
                                 {{"action", "throw"}, {"at", "phase_start"}, {"phase", "warmup"}});
  ASSERT_TRUE(hook) << hook.error().describe();
  auto failures = registry.fire_phase_start(stats("warmup", 0));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].owner, "fault");
  EXPECT_EQ(failures[0].message, "fault hook told to throw at phase_start");
  EXPECT_TRUE(registry.fire_phase_start(stats("profiling", 0)).empty());
  EXPECT_TRUE((*hook)->client().alive());
  EXPECT_EQ(reports.all(), "");
}

TEST(HookHostClientTest, HookThatCannotBeCreatedIsAFactoryFailureNotACrash) {
  Reports reports;
  PhaseHookRegistry registry;
  auto thrown = load_isolated_hook(registry, options(reports), "fault", {{"action", "throw"}, {"at", "constructor"}});
  ASSERT_FALSE(thrown);
  EXPECT_EQ(thrown.error().code, ErrorCode::kFactoryFailed);
  EXPECT_NE(thrown.error().message.find("fault hook told to throw at constructor"), std::string::npos)
      << thrown.error().message;
  auto unknown = load_isolated_hook(registry, options(reports), "nope", json::object());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kFactoryFailed);
  EXPECT_NE(unknown.error().message.find("phase_hook:nope"), std::string::npos) << unknown.error().message;
  auto bad_config = load_isolated_hook(registry, options(reports), "fault", {{"at", "constructor"}});
  ASSERT_FALSE(bad_config);
  EXPECT_NE(bad_config.error().message.find("action"), std::string::npos) << bad_config.error().message;
}

TEST(HookHostClientTest, HangingHostIsKilledAfterTheTimeout) {
  const auto timeout = std::chrono::milliseconds(300);
  for (const char* at : {"constructor", "phase_complete"}) {
    Reports reports;
    PhaseHookRegistry registry;
    auto started = std::chrono::steady_clock::now();
    auto hook = load_isolated_hook(registry, options(reports, timeout), "fault", {{"action", "hang"}, {"at", at}});
    std::string message;
    if (hook) {
      EXPECT_TRUE(registry.fire_phase_complete(stats("profiling", 1)).empty());
      EXPECT_FALSE((*hook)->client().alive());
      message = reports.all();
    } else {
      message = "\u2717 " + hook.error().message + "\n";
    }
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(message, std::string("\u2717 phase hook 'fault' hung: no reply within 300 ms (killed) in ") + at + "\n");
    EXPECT_GE(took, timeout);
    EXPECT_LT(took, std::chrono::seconds(10));  // generous: killed, not waited for
  }
}

TEST(HookHostClientTest, HostThatCannotBeExecutedIsReportedAtStart) {
  Reports reports;
  auto o = options(reports);
  o.executable = "/nonexistent/aiperf";
  auto client = HookHostClient::start(o, "fault");
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, ErrorCode::kCrashed);
  EXPECT_EQ(client.error().message, "phase hook 'fault' exited: status 127 in hook host start");
}

// What isolation costs: starting a host and loading a hook, and one callback's round
// trip, against the same callback run in process (the registry's own thread) in the same run.
// Run: build/bin/hooks_test --gtest_also_run_disabled_tests --gtest_filter='*DISABLED_Cost*'
TEST(HookHostClientTest, DISABLED_CostOfIsolation) {
  using Clock = std::chrono::steady_clock;
  auto us = [](Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); };
  Reports reports;
  const int loads = 50, calls = 2000;
  auto started = Clock::now();
  for (int i = 0; i < loads; ++i) {
    PhaseHookRegistry registry;
    ASSERT_TRUE(load_isolated_hook(registry, options(reports), "fault", {{"action", "none"}, {"at", "phase_start"}}));
  }
  const double load_us = us(Clock::now() - started) / loads;
  PhaseHookRegistry isolated, in_process;
  auto hook = load_isolated_hook(isolated, options(reports), "fault", {{"action", "none"}, {"at", "phase_start"}});
  ASSERT_TRUE(hook);
  uint64_t seen = 0;
  in_process.register_phase_complete("peer", [&seen](const PhaseStats& s) { seen += s.requests_completed; });
  auto s = stats("profiling", 1);
  for (int i = 0; i < 20; ++i) s.metrics.push_back(s.metrics[0]);  // a realistic 21 metric summaries
  started = Clock::now();
  for (int i = 0; i < calls; ++i) isolated.fire_phase_complete(s);
  const double isolated_us = us(Clock::now() - started) / calls;
  started = Clock::now();
  for (int i = 0; i < calls; ++i) in_process.fire_phase_complete(s);
  const double in_process_us = us(Clock::now() - started) / calls;
  EXPECT_EQ(seen, static_cast<uint64_t>(calls));
  std::printf("hook host start + load: %.0f us; phase_complete callback: %.1f us isolated, %.1f us in process\n",
              load_us, isolated_us, in_process_us);
}

}  // namespace
}  // namespace aiperf::hooks
