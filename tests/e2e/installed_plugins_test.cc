// The plugin packages under plugins/, built against the installed SDK and
// installed next to an installed aiperf (ctest fixture `plugin_packages`),
// used by that aiperf the way a user would.
#include <gtest/gtest.h>

#include <set>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;

const std::string kAiperf = std::string(AIPERF_PLUGIN_PREFIX) + "/bin/aiperf";

testing::CommandResult installed_aiperf(const std::string& args) {
  return testing::run_shell("env -u AIPERF_PLUGIN_PATH XDG_DATA_HOME=/nonexistent '" + kAiperf + "' " + args);
}

TEST(InstalledPluginsTest, AllSixPackagesAreDiscoveredAndNoneLoaded) {
  auto r = installed_aiperf("plugins list --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(r.out);
  std::set<std::string> found;
  for (const auto& p : doc["plugins"]) {
    if (p["source"] == "plugin") found.insert(p["protocol"].get<std::string>() + ":" + p["name"].get<std::string>());
    EXPECT_FALSE(p["loaded"].get<bool>());
  }
  for (auto want : {"phase_hook:prometheus", "phase_hook:datadog", "timing_strategy:adaptive_rate",
                    "timing_strategy:custom_replay", "endpoint:ollama", "dataset_sampler:weighted"}) {
    EXPECT_TRUE(found.count(want)) << want << " not discovered: " << r.out;
  }
  EXPECT_TRUE(doc["errors"].empty()) << doc["errors"].dump();
}

TEST(InstalledPluginsTest, OnlyTheTwoConfiguredPluginsAreMappedAfterTheRun) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  testing::write_file(dir.path() / "b.yaml", "endpoint:\n  model: m\n  url: " + server.base_url() +
                                                 "\n  streaming: true\nbenchmark:\n  request_count: 12\n"
                                                 "plugins:\n  phase_hooks:\n    - name: datadog\n"
                                                 "      config: {statsd_host: 127.0.0.1, statsd_port: 9}\n"
                                                 "  endpoint: {name: ollama}\n");
  auto r = installed_aiperf("profile --ui none --config '" + (dir.path() / "b.yaml").string() + "' --artifact-dir '" +
                            dir.path().string() + "/out'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(testing::slurp(dir.path() / "out" / "profile_export_aiperf.json"));
  std::set<std::string> loaded;
  for (const auto& p : doc["plugins_loaded"]) loaded.insert(p["package"]);
  EXPECT_EQ(loaded, (std::set<std::string>{"aiperf-datadog-plugin", "aiperf-ollama-plugin"})) << doc["plugins_loaded"];
  EXPECT_EQ(doc["request_count"]["avg"], 12);
  // The Ollama endpoint really was used: the server saw /api/chat.
  for (const auto& rec : testing::mock_json(server, "/mock/records")) EXPECT_EQ(rec["route"], "/api/chat");
}

TEST(InstalledPluginsTest, HookWhosePeerIsDownIsReportedAndResultsAreUnaffected) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto r = installed_aiperf("profile -m m -u " + server.base_url() +
                            " --ui none --request-count 10 --streaming --artifact-dir '" + dir.path().string() +
                            "' --phase-hook 'prometheus={\"endpoint\": \"http://127.0.0.1:9\", \"timeout_seconds\": 1}'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("\u2713 Loaded phase hook: prometheus"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("phase hook 'prometheus' failed at profiling complete"), std::string::npos) << r.err;
  auto doc = json::parse(testing::slurp(dir.path() / "profile_export_aiperf.json"));
  EXPECT_EQ(doc["request_count"]["avg"], 10);
  EXPECT_EQ(doc["error_request_count"]["avg"], 0);
}

}  // namespace
}  // namespace aiperf
