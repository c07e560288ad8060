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

#include "common/testing/process.h"
#include "support/pushgateway_server.h"

namespace {

using plugin_test::find_value;
using plugin_test::run;

const std::string kAiperf = AIPERF_EXECUTABLE;
const std::string kPluginDir = PLUGIN_BUILD_DIR;
const std::string kMockServer = AIPERF_MOCK_SERVER_EXECUTABLE;

plugin_test::CommandResult check(const std::string& config) {
  return run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "phase_hook:prometheus", "--config",
              config}, 60);
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
  auto r = run({kAiperf, "--plugin-path", kPluginDir, "plugins", "show", "phase_hook:prometheus"}, 60);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("aiperf-prometheus-plugin"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Pushes each phase's metrics to a Prometheus Pushgateway"), std::string::npos)
      << r.output;
}

// The mock server these tests run against: first token after 5 ms, then 1 ms apart.
struct MockServer : plugin_test::MockServer {
  MockServer() : plugin_test::MockServer(kMockServer, {"--ttft", "5", "--itl", "1"}) {}
};

// A short benchmark against `server`; `extra` selects the hook (--phase-hook or --config).
plugin_test::CommandResult profile(const MockServer& server, const std::vector<std::string>& extra) {
  return plugin_test::short_chat_profile(kAiperf, kPluginDir, server.url(), extra);
}

plugin_test::CommandResult profile(const MockServer& server, const std::string& hook_config) {
  return profile(server, {"--phase-hook", "prometheus=" + hook_config});
}

bool profile_has_option(const std::string& option) { return plugin_test::profile_supports(kAiperf, option); }

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

// The run's server_metrics collector scrapes the mock's /metrics (on by default); its summaries reach
// the gateway beside the client's, and the server's token counter agrees with the client's count.
TEST_F(InstalledAiperfTest, ProfileRunForwardsTheServerSideSummaries) {
  if (!profile_has_phase_hook_option()) GTEST_SKIP() << "this aiperf has no profile --phase-hook";
  MockServer server;
  auto r = profile(server, R"({"endpoint": ")" + gateway_->url() + R"("})");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto series = gateway_->series();
  const std::string generated = "vllm:generation_tokens_total{model_name=\"mock-model\"}";
  auto delta = find_value(series, "aiperf_server_metric",
                          {{"phase", "profiling"}, {"collector", "server_metrics"}, {"metric", generated},
                           {"stat", "delta"}});
  ASSERT_TRUE(delta) << "no forwarded server summary for " << generated << "\n" << r.output;
  auto osl = find_value(series, "aiperf_output_sequence_length", {{"phase", "profiling"}, {"stat", "avg"}});
  auto completed = find_value(series, "aiperf_requests_completed", {{"phase", "profiling"}});
  ASSERT_TRUE(osl && completed);
  EXPECT_DOUBLE_EQ(*delta, *osl * *completed);  // the warmup's tokens are not in the phase's delta
  EXPECT_TRUE(find_value(series, "aiperf_server_metric",
                         {{"phase", "profiling"}, {"metric", "vllm:num_requests_running{model_name=\"mock-model\"}"},
                          {"stat", "max"}}));
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
