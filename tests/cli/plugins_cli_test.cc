// `aiperf plugins ...` as a user runs it: the real binary, real fixture plugins.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace aiperf {
namespace {

using testing::run_aiperf;
using testing::TempDir;

// A plugin directory holding the good and the crashing fixture.
struct PluginDir {
  TempDir dir;
  PluginDir() {
    testing::install_fixture("good", dir.path());
    testing::install_fixture("crash", dir.path());
  }
  std::string flag() const { return "--plugin-path '" + dir.path().string() + "'"; }
};

TEST(PluginsCliTest, ListShowsCrashingPluginWithoutLoadingIt) {
  PluginDir plugins;
  auto r = run_aiperf(plugins.flag() + " plugins list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PROTOCOL"), std::string::npos);
  EXPECT_NE(r.out.find("crash"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("aiperf-fixture-good"), std::string::npos);
  EXPECT_NE(r.out.find("logging"), std::string::npos);
  EXPECT_EQ(r.out.find(" yes "), std::string::npos) << "nothing may be loaded:\n" << r.out;
}

TEST(PluginsCliTest, ListJsonHasTheDocumentedShape) {
  PluginDir plugins;
  testing::write_file(plugins.dir.path() / "bad.aiperf-plugin.json", "{");
  auto r = run_aiperf(plugins.flag() + " plugins list --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_TRUE(doc["plugins"].is_array());
  bool saw_crash = false;
  for (const auto& p : doc["plugins"]) {
    for (auto key : {"protocol", "name", "source", "package", "version", "manifest", "priority",
                     "loaded", "shadowed_by"}) {
      EXPECT_TRUE(p.contains(key)) << key;
    }
    EXPECT_FALSE(p["loaded"].get<bool>());
    if (p["name"] == "crash") {
      saw_crash = true;
      EXPECT_EQ(p["source"], "plugin");
      EXPECT_EQ(p["package"], "aiperf-fixture-crash");
    }
  }
  EXPECT_TRUE(saw_crash);
  ASSERT_EQ(doc["errors"].size(), 1u);
  EXPECT_EQ(doc["errors"][0]["reason"], "malformed_json");
  EXPECT_NE(doc["errors"][0]["manifest"].get<std::string>().find("bad.aiperf-plugin.json"),
            std::string::npos);
}

TEST(PluginsCliTest, ListFiltersByProtocolAndRejectsUnknownOnes) {
  PluginDir plugins;
  auto r = run_aiperf(plugins.flag() + " plugins list dataset_sampler");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("fixed"), std::string::npos);
  EXPECT_EQ(r.out.find("crash"), std::string::npos);
  auto bad = run_aiperf(plugins.flag() + " plugins list exporter");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown protocol 'exporter'"), std::string::npos);
}

TEST(PluginsCliTest, ShowDescribesCrashingPluginWithoutLoadingIt) {
  PluginDir plugins;
  auto r = run_aiperf(plugins.flag() + " plugins show phase_hook:crash");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("symbol:      fixture_crash_hook"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("loaded:      no"), std::string::npos);
  auto missing = run_aiperf(plugins.flag() + " plugins show nope");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("available: crash, good, logging"), std::string::npos) << missing.err;
}

TEST(PluginsCliTest, CheckReportsCrashAndFailsTheCommand) {
  PluginDir plugins;
  auto r = run_aiperf(plugins.flag() + " plugins check");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("ok    phase_hook:good"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL  phase_hook:crash"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("signal 6"), std::string::npos) << r.out;
  auto one = run_aiperf(plugins.flag() + " plugins check good");
  EXPECT_EQ(one.exit_code, 0) << one.out;
}

TEST(PluginsCliTest, CheckRefusesNullDescriptorStringsClearly) {
  TempDir dir;
  testing::install_fixture("null_strings", dir.path());
  auto r = run_aiperf("--plugin-path '" + dir.path().string() + "' plugins check null_strings");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL  phase_hook:null_strings"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("'sdk_version' is NULL"), std::string::npos) << r.out;
}

TEST(PluginsCliTest, CheckRefusesALibrarySymlinkedOutOfItsDirectory) {
  TempDir root;
  auto plugins = root.path() / "plugins", outside = root.path() / "outside";
  std::filesystem::create_directories(plugins);
  std::filesystem::create_directories(outside);
  testing::install_fixture("good", plugins);
  std::filesystem::rename(plugins / "libfixture_good.so", outside / "libfixture_good.so");
  std::filesystem::create_symlink("../outside/libfixture_good.so", plugins / "libfixture_good.so");
  auto r = run_aiperf("--plugin-path '" + plugins.string() + "' plugins check good");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("outside the plugin directory"), std::string::npos) << r.out;
}

TEST(PluginsCliTest, OverrideOfABuiltinIsANote) {
  TempDir dir;
  testing::install_fixture("good", dir.path());
  // The good fixture's sampler, declared as endpoint:chat with a higher priority.
  testing::write_file(dir.path() / "chat.aiperf-plugin.json", R"({"schema_version": "1.0",
    "package": "aiperf-fixture-chat", "version": "1.0.0", "library": "libfixture_good.so",
    "abi": {"major": 1, "minor": 0},
    "plugins": {"endpoint": {"chat": {"symbol": "fixture_fixed_sampler", "priority": 5}}}})");
  auto r = run_aiperf("--plugin-path '" + dir.path().string() + "' plugins list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("note: endpoint:chat: plugin aiperf-fixture-chat"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("overrides built-in"), std::string::npos) << r.err;
  // Every command says so, not only `plugins list` (profile stops at its bad config, after the note).
  for (const std::string command : {"plugins show endpoint:chat", "profile -m m --request-count 1 -u http://127.0.0.1:9 --ui none",
                                    "plugins check endpoint:chat"}) {
    auto other = run_aiperf("--plugin-path '" + dir.path().string() + "' " + command);
    EXPECT_NE(other.err.find("note: endpoint:chat: plugin aiperf-fixture-chat"), std::string::npos)
        << command << ": " << other.err;
  }
}

TEST(PluginsCliTest, PathsShowsOriginsInOrder) {
  PluginDir plugins;
  TempDir env_dir;
  auto r = run_aiperf(plugins.flag() + " plugins paths",
                      "AIPERF_PLUGIN_PATH='" + env_dir.path().string() + "'");
  ASSERT_EQ(r.exit_code, 0);
  auto cli = r.out.find("command line");
  auto env = r.out.find("AIPERF_PLUGIN_PATH");
  auto prefix = r.out.find("install prefix");
  ASSERT_NE(cli, std::string::npos) << r.out;
  ASSERT_NE(env, std::string::npos) << r.out;
  ASSERT_NE(prefix, std::string::npos) << r.out;
  EXPECT_LT(cli, env);
  EXPECT_LT(env, prefix);
}

TEST(PluginsCliTest, InsecureDirectoryNeedsExplicitPermission) {
  PluginDir plugins;
  std::filesystem::permissions(plugins.dir.path(), std::filesystem::perms::others_all,
                               std::filesystem::perm_options::add);
  auto refused = run_aiperf(plugins.flag() + " plugins list --json");
  auto doc = nlohmann::json::parse(refused.out);
  ASSERT_FALSE(doc["errors"].empty());
  EXPECT_EQ(doc["errors"][0]["reason"], "insecure");
  auto allowed = run_aiperf(plugins.flag() + " --allow-insecure-plugins plugins list --json");
  EXPECT_TRUE(nlohmann::json::parse(allowed.out)["errors"].empty());
  auto via_env = run_aiperf(plugins.flag() + " plugins list --json", "AIPERF_ALLOW_INSECURE_PLUGINS=1");
  EXPECT_TRUE(nlohmann::json::parse(via_env.out)["errors"].empty());
}

TEST(PluginsCliTest, VersionAndHelp) {
  auto v = run_aiperf("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("plugin API 1."), std::string::npos) << v.out;
  auto h = run_aiperf("--help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("plugins"), std::string::npos);
  auto bad = run_aiperf("--no-such-flag");
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace aiperf
