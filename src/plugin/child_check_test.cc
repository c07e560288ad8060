// check_in_child with real fixture libraries and probes: a crash is reported
// with its signal, a hang hits the timeout, a good plugin passes.
#include "plugin/child_check.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/test_support.h"

namespace aiperf::plugin {
namespace {

using namespace std::chrono_literals;
using testing::install_fixture;
using testing::is_mapped;
using testing::TempDir;

struct Discovered {
  std::unique_ptr<PluginRegistry> registry = std::make_unique<PluginRegistry>();
  DiscoveryReport report;
};

Discovered discover_fixtures(const TempDir& dir) {
  install_fixture("good", dir.path());
  install_fixture("crash", dir.path());
  Discovered d;
  d.report = d.registry->discover({{dir.path(), PathOrigin::kCommandLine}});
  return d;
}

TEST(ChildCheckTest, CrashingLibraryIsReportedWithTheSignal) {
  TempDir dir;
  auto d = discover_fixtures(dir);
  auto error = check_in_child(*d.registry, {"phase_hook", "crash"}, 10s);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kCrashed);
  EXPECT_NE(error->message.find("signal 6"), std::string::npos) << error->message;
  EXPECT_EQ(error->subject, "phase_hook:crash");
  EXPECT_EQ(error->package, "aiperf-fixture-crash");
  EXPECT_FALSE(is_mapped(dir.path().string()));  // only the child loaded it
}

TEST(ChildCheckTest, HangingProbeHitsTheTimeout) {
  TempDir dir;
  auto d = discover_fixtures(dir);
  auto started = std::chrono::steady_clock::now();
  auto error = check_in_child(*d.registry, {"phase_hook", "good"}, 300ms, [] {
    std::this_thread::sleep_for(60s);
    return std::optional<Error>();
  });
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kCrashed);
  EXPECT_NE(error->message.find("did not finish within 300 ms"), std::string::npos) << error->message;
  EXPECT_LT(took, 30s);  // killed, not waited for
}

TEST(ChildCheckTest, GoodPluginPassesAndItsProbeErrorCrossesTheBoundary) {
  TempDir dir;
  auto d = discover_fixtures(dir);
  EXPECT_EQ(check_in_child(*d.registry, {"phase_hook", "good"}, 10s), std::nullopt);
  auto error = check_in_child(*d.registry, {"phase_hook", "good"}, 10s, [] {
    return std::optional(make_error(ErrorCode::kFactoryFailed, "probe said no"));
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kFactoryFailed);
  EXPECT_EQ(error->message, "probe said no");
  EXPECT_FALSE(is_mapped(dir.path().string()));
}

TEST(ChildCheckTest, UnknownImplementationIsNotFound) {
  PluginRegistry registry;
  auto error = check_in_child(registry, {"phase_hook", "nothing"}, 1s);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aiperf::plugin
