// phase_hook:datadog through the real, installed aiperf: `plugins check`
// loads the built library in a child process, constructs the hook and runs its
// callbacks on a synthetic phase "check"; `profile` runs a short benchmark
// against the mock server with the hook configured.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include "common/testing/process.h"
#include "support/listeners.h"

namespace {

using plugin_test::run;

const std::string kAiperf = AIPERF_EXECUTABLE;
const std::string kPluginDir = PLUGIN_BUILD_DIR;
const std::string kMockServer = AIPERF_MOCK_SERVER_EXECUTABLE;
constexpr const char* kKey = "check-test-secret-key-42";

plugin_test::CommandResult check(const nlohmann::json& config) {
  return run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "phase_hook:datadog", "--config",
              config.dump()}, 60);
}

std::vector<plugin_test::StatsdMetric> metrics_of(plugin_test::UdpListener& agent) {
  std::vector<plugin_test::StatsdMetric> out;
  for (const auto& d : agent.receive()) {
    auto parsed = plugin_test::parse_statsd(d);
    out.insert(out.end(), parsed.begin(), parsed.end());
  }
  return out;
}

// The last value sent for `name` with `tag` (a gauge's current value).
std::optional<double> value_of(const std::vector<plugin_test::StatsdMetric>& metrics, const std::string& name,
                               const std::string& tag) {
  std::optional<double> value;
  for (const auto& m : metrics) {
    if (m.name == name && std::find(m.tags.begin(), m.tags.end(), tag) != m.tags.end()) value = m.value;
  }
  return value;
}

TEST(DatadogInstalledAiperfTest, PluginsCheckSendsDogStatsdAndSeries) {
  plugin_test::UdpListener agent;
  plugin_test::HttpListener api;
  auto r = check({{"statsd_port", agent.port()}, {"tags", {"suite:check"}}, {"api_key", kKey},
                  {"site", api.url()}});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok    phase_hook:datadog"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(kKey), std::string::npos) << r.output;

  auto metrics = metrics_of(agent);
  EXPECT_EQ(value_of(metrics, "aiperf.phase.running", "phase:check"), 0);  // start sent 1, then complete 0
  EXPECT_EQ(value_of(metrics, "aiperf.requests.sent", "phase:check"), 0);
  EXPECT_TRUE(value_of(metrics, "aiperf.requests.sent", "suite:check"));

  auto requests = api.requests(2);
  ASSERT_EQ(requests.size(), 2u) << "one POST at start, one at complete";
  EXPECT_EQ(requests[1].headers.at("dd-api-key"), kKey);
  auto body = nlohmann::json::parse(requests[1].body);
  EXPECT_EQ(body["series"][0]["tags"], nlohmann::json({"phase:check", "suite:check"}));
}

TEST(DatadogInstalledAiperfTest, UnreachableApiFailsTheCheckWithoutLeakingTheKey) {
  std::string site = "http://127.0.0.1:" + std::to_string(plugin_test::free_tcp_port());
  auto started = std::chrono::steady_clock::now();
  auto r = check({{"statsd_port", plugin_test::free_tcp_port()}, {"api_key", kKey}, {"site", site}});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("callback of datadog threw: Datadog API " + site + "/api/v1/series"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find(kKey), std::string::npos) << r.output;
}

TEST(DatadogInstalledAiperfTest, NoAgentListeningPassesTheCheck) {
  auto r = check({{"statsd_port", plugin_test::free_tcp_port()}});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(DatadogInstalledAiperfTest, ConfigErrorsAreReportedWithTheKey) {
  auto r = check({{"statsd_prot", 8125}});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("factory failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown key 'statsd_prot' (did you mean 'statsd_port'?)"), std::string::npos)
      << r.output;
  r = check({{"api_key", kKey}, {"site", "gopher://x"}});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("key 'site' must use http:// or https://"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(kKey), std::string::npos) << r.output;
}

// The mock server these tests run against: first token after 5 ms, then 1 ms apart.
struct MockServer : plugin_test::MockServer {
  MockServer() : plugin_test::MockServer(kMockServer, {"--ttft", "5", "--itl", "1"}) {}
};

// A short benchmark against `server`; `extra` selects the hook (--phase-hook or --config).
plugin_test::CommandResult profile(const MockServer& server, const std::vector<std::string>& extra) {
  return plugin_test::short_chat_profile(kAiperf, kPluginDir, server.url(), extra);
}

plugin_test::CommandResult profile_with_hook(const MockServer& server, const nlohmann::json& hook_config) {
  return profile(server, {"--phase-hook", "datadog=" + hook_config.dump()});
}

bool profile_has_option(const std::string& option) { return plugin_test::profile_supports(kAiperf, option); }

bool profile_has_phase_hook_option() { return profile_has_option("--phase-hook"); }

TEST(DatadogInstalledAiperfTest, ProfileRunSendsBothPhasesWithRealMetrics) {
  if (!profile_has_phase_hook_option()) GTEST_SKIP() << "this aiperf has no profile --phase-hook";
  MockServer server;
  plugin_test::UdpListener agent;
  auto r = profile_with_hook(server, {{"statsd_port", agent.port()}});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto metrics = metrics_of(agent);
  EXPECT_EQ(value_of(metrics, "aiperf.requests.sent", "phase:profiling"), 8);
  EXPECT_EQ(value_of(metrics, "aiperf.requests.completed", "phase:profiling"), 8);
  EXPECT_TRUE(value_of(metrics, "aiperf.requests.sent", "phase:warmup"));
  auto ttft = value_of(metrics, "aiperf.time_to_first_token.avg", "phase:profiling");
  ASSERT_TRUE(ttft) << "no TTFT gauge";
  EXPECT_GT(*ttft, 4.0);  // the mock answers after 5 ms; AIPerf's unit (ms) is kept
  EXPECT_LT(*ttft, 1000.0);
}

TEST(DatadogInstalledAiperfTest, ProfileRunSurvivesAnUnreachableApi) {
  if (!profile_has_phase_hook_option()) GTEST_SKIP() << "this aiperf has no profile --phase-hook";
  MockServer server;
  std::string site = "http://127.0.0.1:" + std::to_string(plugin_test::free_tcp_port());
  auto r = profile_with_hook(server, {{"statsd", false}, {"api_key", kKey}, {"site", site}});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Datadog API " + site), std::string::npos) << "the failure is reported\n" << r.output;
  EXPECT_EQ(r.output.find(kKey), std::string::npos) << r.output;
}

TEST(DatadogInstalledAiperfTest, BenchmarkYamlConfiguresTheHookAndKeepsTheKeySecret) {
  if (!profile_has_option("--config")) GTEST_SKIP() << "this aiperf has no profile --config";
  MockServer server;
  plugin_test::UdpListener agent;
  plugin_test::HttpListener api;
  auto yaml = std::filesystem::temp_directory_path() / ("aiperf-datadog-test-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(yaml) << "plugins:\n"
                         "  phase_hooks:\n"
                         "    - name: datadog\n"
                         "      config:\n"
                         "        statsd_port: " << agent.port() << "\n"
                         "        tags: [\"suite:yaml\"]\n"
                         "        api_key: \"${TEST_DATADOG_API_KEY}\"\n"
                         "        site: \"" << api.url() << "\"\n";
  setenv("TEST_DATADOG_API_KEY", kKey, 1);
  auto r = profile(server, {"--config", yaml.string()});
  std::filesystem::remove(yaml);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find(kKey), std::string::npos) << r.output;
  EXPECT_EQ(value_of(metrics_of(agent), "aiperf.requests.sent", "suite:yaml"), 8);
  auto requests = api.requests(4);
  ASSERT_EQ(requests.size(), 4u) << "start and complete of warmup and profiling";
  EXPECT_EQ(requests.back().headers.at("dd-api-key"), kKey);
}

}  // namespace
