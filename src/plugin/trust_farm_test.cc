// Trust on real symlink farms: every way around the rules that loaded before
// paths were resolved and the judged file itself was loaded.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include "aiperf/sdk/plugin.h"
#include "plugin/internal/test_hooks.h"
#include "plugin/registry.h"
#include "support/test_support.h"

namespace aiperf::plugin {
namespace {

namespace fs = std::filesystem;
using testing::install_fixture;
using testing::is_mapped;
using testing::TempDir;

constexpr const char* kLibrary = "libfixture_good.so";
constexpr const char* kManifest = "good.aiperf-plugin.json";

// root/ (private) with a plugin directory and helpers around it.
struct Farm {
  TempDir root;
  fs::path plugins = root.path() / "plugins";
  Farm() { fs::create_directory(plugins); }
  // A directory under root with mode 0777 (not sticky).
  fs::path open_dir(const std::string& name) {
    fs::path dir = root.path() / name;
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0777);
    return dir;
  }
};

struct Found {
  std::unique_ptr<PluginRegistry> registry = std::make_unique<PluginRegistry>();
  DiscoveryReport report;
};

Found discover(const fs::path& dir) {
  Found f;
  f.report = f.registry->discover({{dir, PathOrigin::kCommandLine}});
  return f;
}

Expected<std::unique_ptr<PhaseHook>> create_good(const Found& f) {
  return f.registry->create_instance<PhaseHook>("good", {{"greeting", "hi"}});
}

TEST(TrustFarmTest, LibrarySymlinkIntoWorldWritableDirectoryIsRefused) {
  Farm farm;
  install_fixture("good", farm.plugins);
  fs::path open = farm.plugins / "shared";  // inside the plugin dir, but 0777
  fs::create_directory(open);
  ::chmod(open.c_str(), 0777);
  fs::rename(farm.plugins / kLibrary, open / kLibrary);
  fs::create_symlink(fs::path("shared") / kLibrary, farm.plugins / kLibrary);
  auto f = discover(farm.plugins);
  ASSERT_TRUE(f.registry->is_registered("phase_hook", "good"));  // the manifest is fine
  auto hook = create_good(f);
  ASSERT_FALSE(hook);
  EXPECT_EQ(hook.error().code, ErrorCode::kInsecure);
  EXPECT_NE(hook.error().message.find("world-writable"), std::string::npos) << hook.error().message;
  EXPECT_FALSE(is_mapped(farm.root.path().string()));
}

TEST(TrustFarmTest, LibrarySymlinkOutOfThePluginDirectoryIsRefused) {
  Farm farm;
  install_fixture("good", farm.plugins);
  fs::path outside = farm.root.path() / "outside";  // private, trusted, but elsewhere
  fs::create_directory(outside);
  fs::rename(farm.plugins / kLibrary, outside / kLibrary);
  fs::create_symlink(fs::path("../outside") / kLibrary, farm.plugins / kLibrary);
  auto f = discover(farm.plugins);
  auto hook = create_good(f);
  ASSERT_FALSE(hook);
  EXPECT_EQ(hook.error().code, ErrorCode::kLibraryOutsideDirectory);
  EXPECT_NE(hook.error().message.find("outside the plugin directory"), std::string::npos);
  EXPECT_FALSE(is_mapped(farm.root.path().string()));
}

TEST(TrustFarmTest, LibrarySymlinkWithinThePluginDirectoryStillLoads) {
  Farm farm;
  install_fixture("good", farm.plugins);
  fs::rename(farm.plugins / kLibrary, farm.plugins / "libfixture_good.so.1");
  fs::create_symlink("libfixture_good.so.1", farm.plugins / kLibrary);  // as packagers do
  auto f = discover(farm.plugins);
  auto hook = create_good(f);
  ASSERT_TRUE(hook) << hook.error().describe();
  auto mapped = f.registry->mapped_packages();
  ASSERT_EQ(mapped.size(), 1u);
  EXPECT_EQ(mapped[0]->manifest.package, "aiperf-fixture-good");
}

TEST(TrustFarmTest, ManifestSymlinkIntoWorldWritableDirectoryIsRefused) {
  Farm farm;
  install_fixture("good", farm.plugins);
  fs::path open = farm.open_dir("drop");
  fs::rename(farm.plugins / kManifest, open / kManifest);
  fs::create_symlink(open / kManifest, farm.plugins / kManifest);
  auto f = discover(farm.plugins);
  EXPECT_FALSE(f.registry->is_registered("phase_hook", "good"));
  ASSERT_EQ(f.report.errors.size(), 1u);
  EXPECT_EQ(f.report.errors[0].code, ErrorCode::kInsecure);
  EXPECT_NE(f.report.errors[0].message.find(open.string()), std::string::npos)
      << f.report.errors[0].message;
}

TEST(TrustFarmTest, PluginDirectorySymlinkedFromAWorldWritableParentIsRefused) {
  Farm farm;
  install_fixture("good", farm.plugins);
  fs::path open = farm.open_dir("drop");
  fs::create_symlink(farm.plugins, open / "plugins");  // anyone could repoint it
  auto f = discover(open / "plugins");
  EXPECT_FALSE(f.registry->is_registered("phase_hook", "good"));
  ASSERT_EQ(f.report.errors.size(), 1u);
  EXPECT_EQ(f.report.errors[0].code, ErrorCode::kInsecure);
  EXPECT_NE(f.report.errors[0].message.find("not sticky"), std::string::npos)
      << f.report.errors[0].message;
  // The same directory named directly is fine.
  EXPECT_TRUE(discover(farm.plugins).registry->is_registered("phase_hook", "good"));
}

TEST(TrustFarmTest, LibrarySwappedBetweenCheckAndLoadIsNotLoaded) {
  Farm farm;
  install_fixture("good", farm.plugins);
  TempDir other;
  install_fixture("abi_major", other.path());  // a library that fails the handshake
  fs::path impostor = farm.plugins / ".impostor.so";
  fs::copy_file(other.path() / "libfixture_abi_major.so", impostor);
  bool swapped = false;
  internal::set_before_dlopen_hook_for_testing([&](const fs::path& judged) {
    fs::rename(impostor, judged);  // after the check, before dlopen
    swapped = true;
  });
  auto f = discover(farm.plugins);
  auto hook = create_good(f);
  internal::set_before_dlopen_hook_for_testing({});
  EXPECT_TRUE(swapped);
  // The judged file was loaded: the good fixture (the impostor fails the
  // handshake), not the file now at its path.
  ASSERT_TRUE(hook) << hook.error().describe();
  struct stat now {};
  ASSERT_EQ(::stat((farm.plugins / kLibrary).c_str(), &now), 0);
  auto package = f.registry->candidates({"phase_hook", "good"}).front().package;
  EXPECT_NE(package->library.loaded_file().second, now.st_ino);
}

TEST(TrustFarmTest, PrecheckTurnsACrashingConstructorIntoAnError) {
  Farm farm;
  install_fixture("crash", farm.plugins);
  RegistryOptions options;
  options.precheck_timeout = std::chrono::seconds(10);
  PluginRegistry registry(options);
  registry.discover({{farm.plugins, PathOrigin::kCommandLine}});
  auto hook = registry.create_instance<PhaseHook>("crash");  // in process: abort()
  ASSERT_FALSE(hook);
  EXPECT_EQ(hook.error().code, ErrorCode::kCrashed);
  EXPECT_EQ(hook.error().subject, "phase_hook:crash");
  EXPECT_NE(hook.error().message.find("signal 6"), std::string::npos) << hook.error().message;
  EXPECT_FALSE(is_mapped(farm.root.path().string()));
}

}  // namespace
}  // namespace aiperf::plugin
