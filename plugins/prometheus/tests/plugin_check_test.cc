// phase_hook:prometheus through the real, installed aiperf: `plugins check`
// loads the built library in a child process, constructs the hook and runs its
// callbacks on a synthetic phase "check"; `profile` runs a short benchmark
// against the mock server with the hook configured.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>

#include "support/process.h"
#include "support/pushgateway_server.h"

namespace {

using plugin_test::find_value;
using plugin_test::run;

const std::string kAiperf = AIPERF_EXECUTABLE;
const std::string kPluginDir = PLUGIN_BUILD_DIR;
const std::string kMockServer = AIPERF_MOCK_SERVER_EXECUTABLE;

plugin_test::CommandResult check(const std::string& config) {
  return run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "phase_hook:prometheus", "--config",
              config});
}

class InstalledAiperfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(PUSHGATEWAY_EXECUTABLE).empty()) GTEST_SKIP() << "prometheus-pushgateway not installed";
    gateway_ = std::make_unique<plugin_test::PushgatewayServer>(PUSHGATEWAY_EXECUTABLE);
  }
  std::unique_ptr<plugin_test::PushgatewayServer> gateway_;
};

TEST_F(InstalledAiperfTest, PluginsCheckPushesTheCheckPhase) {
  auto r = check(R"({"endpoint": ")" + gateway_->url() + R"(", "labels": {"suite": "check"}})");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok    phase_hook:prometheus"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("created and exercised with the given config"), std::string::npos) << r.output;

  auto series = gateway_->series();
  std::map<std::string, std::string> group = {{"job", "aiperf"}, {"phase", "check"}, {"suite", "check"}};
  EXPECT_EQ(find_value(series, "aiperf_phase_running", group), 0) << "start then complete were pushed";
  EXPECT_EQ(find_value(series, "aiperf_requests_sent", group), 0);
  EXPECT_EQ(find_value(series, "aiperf_phase_duration_seconds", group), 0);
}

TEST(InstalledAiperfCheckTest, UnreachablePushgatewayFailsTheCheckWithEndpointAndCause) {
  std::string endpoint = "http://127.0.0.1:" + std::to_string(plugin_test::free_tcp_port());
  auto started = std::chrono::steady_clock::now();
  auto r = check(R"({"endpoint": ")" + endpoint + R"("})");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("callback of prometheus threw: Pushgateway " + endpoint), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("Couldn't connect to server"), std::string::npos) << r.output;
}

TEST(InstalledAiperfCheckTest, ConfigErrorsAreReportedWithTheKey) {
  auto r = check(R"({"endpoint": "http://127.0.0.1:9091", "jbo": "x"})");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("factory failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown key 'jbo' (did you mean 'job'?)"), std::string::npos) << r.output;

  r = check(R"({"job": "x"})");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("missing required key 'endpoint'"), std::string::npos) << r.output;
}

TEST(InstalledAiperfCheckTest, ListedFromTheManifestWithoutLoading) {
  auto r = run({kAiperf, "--plugin-path", kPluginDir, "plugins", "show", "phase_hook:prometheus"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("aiperf-prometheus-plugin"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Pushes each phase's metrics to a Prometheus Pushgateway"), std::string::npos)
      << r.output;
}

// A running aiperf-mock-server on a free port (it prints "listening on HOST:PORT").
class MockServer {
 public:
  MockServer() : log_(std::filesystem::temp_directory_path() /
                      ("aiperf-prometheus-test-mock-" + std::to_string(getpid()) + ".log")) {
    process_ = std::make_unique<plugin_test::ChildProcess>(
        std::vector<std::string>{kMockServer, "--port", "0", "--ttft", "5", "--itl", "1"}, log_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      std::string out = plugin_test::read_file(log_);
      auto marker = out.find("listening on ");
      auto eol = marker == std::string::npos ? marker : out.find('\n', marker);
      if (eol != std::string::npos) {
        port_ = std::stoi(out.substr(out.rfind(':', eol) + 1));
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("mock server did not start: " + plugin_test::read_file(log_));
  }
  /// Stops the server and removes its log.
  ~MockServer() {
    process_.reset();
    std::error_code ignored;
    std::filesystem::remove(log_, ignored);
  }
  /// "http://127.0.0.1:PORT".
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::filesystem::path log_;
  std::unique_ptr<plugin_test::ChildProcess> process_;
  int port_ = 0;
};

// A short benchmark against `server`; `extra` selects the hook (--phase-hook or --config).
plugin_test::CommandResult profile(const MockServer& server, const std::vector<std::string>& extra) {
  auto dir = std::filesystem::temp_directory_path() /
             ("aiperf-prometheus-test-artifacts-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::vector<std::string> argv = {kAiperf, "--plugin-path", kPluginDir, "profile", "-m", "mock-model", "-u",
                                   server.url(), "--endpoint-type", "chat", "--streaming", "--concurrency", "2",
                                   "--request-count", "8", "--warmup-request-count", "2", "--isl", "8", "--osl",
                                   "4", "--ui", "none", "--artifact-dir", dir.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto result = run(argv, 120);
  std::filesystem::remove_all(dir);
  return result;
}

plugin_test::CommandResult profile(const MockServer& server, const std::string& hook_config) {
  return profile(server, {"--phase-hook", "prometheus=" + hook_config});
}

bool profile_has_option(const std::string& option) {
  return run({kAiperf, "profile", "--help"}, 30).output.find(option) != std::string::npos;
}

bool profile_has_phase_hook_option() { return profile_has_option("--phase-hook"); }

TEST_F(InstalledAiperfTest, ProfileRunPushesBothPhasesWithRealMetrics) {
  if (!profile_has_phase_hook_option()) GTEST_SKIP() << "this aiperf has no profile --phase-hook";
  MockServer server;
  auto r = profile(server, R"({"endpoint": ")" + gateway_->url() + R"("})");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  auto series = gateway_->series();
  std::map<std::string, std::string> profiling = {{"job", "aiperf"}, {"phase", "profiling"}};
  EXPECT_EQ(find_value(series, "aiperf_requests_sent", profiling), 8);
  EXPECT_EQ(find_value(series, "aiperf_requests_completed", profiling), 8);
  EXPECT_EQ(find_value(series, "aiperf_phase_running", profiling), 0);
  EXPECT_TRUE(find_value(series, "aiperf_requests_sent", {{"phase", "warmup"}})) << "warmup kept its group";
  auto ttft = find_value(series, "aiperf_time_to_first_token_seconds",
                         {{"phase", "profiling"}, {"stat", "avg"}});
  ASSERT_TRUE(ttft) << "no TTFT series";
  EXPECT_GT(*ttft, 0.004);  // the mock answers after 5 ms, pushed in seconds
  EXPECT_LT(*ttft, 1.0);
}

TEST(InstalledAiperfCheckTest, ProfileRunSurvivesAnUnreachablePushgateway) {
  if (!profile_has_phase_hook_option()) GTEST_SKIP() << "this aiperf has no profile --phase-hook";
  MockServer server;
  std::string endpoint = "http://127.0.0.1:" + std::to_string(plugin_test::free_tcp_port());
  auto r = profile(server, R"({"endpoint": ")" + endpoint + R"("})");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Pushgateway " + endpoint), std::string::npos) << "the failure is reported\n"
                                                                          << r.output;
}

TEST_F(InstalledAiperfTest, BenchmarkYamlConfiguresTheHook) {
  if (!profile_has_option("--config")) GTEST_SKIP() << "this aiperf has no profile --config";
  MockServer server;
  auto yaml = std::filesystem::temp_directory_path() /
              ("aiperf-prometheus-test-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(yaml) << "plugins:\n"
                         "  phase_hooks:\n"
                         "    - name: prometheus\n"
                         "      config:\n"
                         "        endpoint: \"${TEST_PUSHGATEWAY_URL}\"\n"
                         "        labels: {model: mock-model}\n";
  setenv("TEST_PUSHGATEWAY_URL", gateway_->url().c_str(), 1);
  auto r = profile(server, {"--config", yaml.string()});
  std::filesystem::remove(yaml);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Loaded phase hook: prometheus"), std::string::npos) << r.output;
  EXPECT_EQ(find_value(gateway_->series(), "aiperf_requests_sent",
                       {{"phase", "profiling"}, {"model", "mock-model"}}),
            8);
}

}  // namespace
