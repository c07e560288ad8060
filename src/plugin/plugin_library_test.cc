// PluginLibrary on the real fixture libraries (tests/fixtures/plugins): the
// handshake and every way a load is refused, each naming its cause.
#include "plugin/plugin_library.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "aiperf/sdk/abi.h"
#include "support/test_support.h"

namespace aiperf::plugin {
namespace {

namespace fs = std::filesystem;
using testing::install_fixture;
using testing::is_mapped;
using testing::TempDir;

// The library of fixture `name`, copied into `dir`.
fs::path installed(std::string_view name, const TempDir& dir) {
  install_fixture(name, dir.path());
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().extension() == ".so") return entry.path();
  }
  ADD_FAILURE() << "fixture " << name << " has no library";
  return {};
}

TEST(PluginLibraryTest, HandshakeAcceptsAMatchingLibraryAndResolvesItsFactory) {
  TempDir dir;
  PluginLibrary library(installed("good", dir), dir.path());
  EXPECT_FALSE(library.loaded());
  auto factory = library.factory("fixture_good_hook");
  ASSERT_TRUE(factory) << factory.error().describe();
  EXPECT_NE(*factory, nullptr);
  EXPECT_TRUE(library.loaded());
  EXPECT_NE(library.loaded_file().second, 0u);
  EXPECT_TRUE(is_mapped(dir.path().string()));
}

TEST(PluginLibraryTest, LibraryWithoutDescriptorIsRefused) {
  TempDir dir;
  PluginLibrary library(installed("no_descriptor", dir), dir.path());
  auto factory = library.factory("fixture_fake_hook");
  ASSERT_FALSE(factory);
  EXPECT_EQ(factory.error().code, ErrorCode::kDescriptorMissing);
  EXPECT_NE(factory.error().message.find(AIPERF_DESCRIPTOR_SYMBOL), std::string::npos)
      << factory.error().message;
  EXPECT_FALSE(library.loaded());
}

TEST(PluginLibraryTest, AbiMismatchNamesBothVersions) {
  TempDir dir;
  PluginLibrary library(installed("abi_major", dir), dir.path());
  auto factory = library.factory("fixture_fake_hook");
  ASSERT_FALSE(factory);
  EXPECT_EQ(factory.error().code, ErrorCode::kAbiMismatch);
  EXPECT_NE(factory.error().message.find("plugin API 99.0"), std::string::npos) << factory.error().message;
  EXPECT_NE(factory.error().message.find("SDK 9.9.9"), std::string::npos) << factory.error().message;
  EXPECT_FALSE(library.loaded());
}

TEST(PluginLibraryTest, DescriptorWithNullStringsIsAClearRefusal) {
  TempDir dir;
  PluginLibrary library(installed("null_strings", dir), dir.path());
  auto factory = library.factory("fixture_fake_hook");
  ASSERT_FALSE(factory);
  EXPECT_EQ(factory.error().code, ErrorCode::kAbiMismatch);
  EXPECT_NE(factory.error().message.find("'sdk_version' is NULL"), std::string::npos)
      << factory.error().message;
}

TEST(PluginLibraryTest, MissingSymbolIsNamedAndTheLibraryStaysLoaded) {
  TempDir dir;
  PluginLibrary library(installed("good", dir), dir.path());
  auto factory = library.factory("no_such_factory");
  ASSERT_FALSE(factory);
  EXPECT_EQ(factory.error().code, ErrorCode::kSymbolMissing);
  EXPECT_NE(factory.error().message.find("'no_such_factory'"), std::string::npos);
  EXPECT_TRUE(library.loaded());  // the library itself was fine
  EXPECT_TRUE(library.factory("fixture_good_hook"));
}

TEST(PluginLibraryTest, FileThatIsNotALibraryFailsToLoadWithTheLoadersReason) {
  TempDir dir;
  auto path = dir.path() / "libnot_elf.so";
  testing::write_file(path, "this is not an ELF file\n");
  PluginLibrary library(path, dir.path());
  auto factory = library.factory("f");
  ASSERT_FALSE(factory);
  EXPECT_EQ(factory.error().code, ErrorCode::kLoadFailed);
  // The message names the file, not the /proc/self/fd/N it was loaded through.
  EXPECT_NE(factory.error().message.find(path.string()), std::string::npos) << factory.error().message;
  EXPECT_EQ(factory.error().message.find("/proc/self/fd"), std::string::npos) << factory.error().message;
}

TEST(PluginLibraryTest, MissingLibraryIsNamed) {
  TempDir dir;
  PluginLibrary library(dir.path() / "libgone.so", dir.path());
  auto factory = library.factory("f");
  ASSERT_FALSE(factory);
  EXPECT_EQ(factory.error().code, ErrorCode::kLibraryMissing);
  EXPECT_NE(factory.error().message.find("libgone.so"), std::string::npos);
}

TEST(PluginLibraryTest, PrecheckReportsACrashingConstructorWithItsSignal) {
  TempDir dir;
  PluginLibrary library(installed("crash", dir), dir.path(),
                        LibraryOptions{false, std::chrono::milliseconds(10000)});
  auto factory = library.factory("fixture_crash_hook");  // without the pre-check: abort()
  ASSERT_FALSE(factory);
  EXPECT_EQ(factory.error().code, ErrorCode::kCrashed);
  EXPECT_NE(factory.error().message.find("signal 6"), std::string::npos) << factory.error().message;
  EXPECT_NE(factory.error().message.find("libfixture_crash.so"), std::string::npos);
  EXPECT_FALSE(is_mapped(dir.path().string()));
}

TEST(PluginLibraryTest, PrecheckPassesAGoodLibraryThrough) {
  TempDir dir;
  PluginLibrary library(installed("good", dir), dir.path(),
                        LibraryOptions{false, std::chrono::milliseconds(10000)});
  auto factory = library.factory("fixture_good_hook");
  ASSERT_TRUE(factory) << factory.error().describe();
  EXPECT_TRUE(library.loaded());
}

}  // namespace
}  // namespace aiperf::plugin
