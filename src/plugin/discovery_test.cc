// Discovery and loading through real plugin libraries (tests/fixtures/plugins).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>

#include "aiperf/sdk/plugin.h"
#include "plugin/factory.h"
#include "plugin/internal/fake_file_system.h"
#include "plugin/internal/test_hooks.h"
#include "plugin/registry.h"
#include "support/test_support.h"

namespace aiperf::plugin {
namespace {

namespace fs = std::filesystem;
using testing::install_fixture;
using testing::is_mapped;
using testing::TempDir;
using testing::write_file;

// A manifest for the good fixture's library under another package/entry.
std::string manifest_text(std::string_view package, std::string_view protocol,
                          std::string_view name, std::string_view symbol, int priority = 0,
                          std::string_view library = "libfixture_good.so", int abi_major = 1) {
  return nlohmann::json{{"schema_version", "1.0"},
                        {"package", package},
                        {"version", "0.0.1"},
                        {"library", library},
                        {"abi", {{"major", abi_major}, {"minor", 0}}},
                        {"plugins", {{protocol, {{name, {{"symbol", symbol}, {"priority", priority}}}}}}}}
      .dump();
}

struct Discovered {
  std::unique_ptr<PluginRegistry> registry;
  DiscoveryReport report;
};

Discovered discover(const std::vector<fs::path>& dirs, RegistryOptions options = {}) {
  Discovered d{std::make_unique<PluginRegistry>(options), {}};
  std::vector<SearchDir> path;
  for (const auto& dir : dirs) path.push_back({dir, PathOrigin::kCommandLine});
  d.report = d.registry->discover(path);
  return d;
}

std::string errors_of(const DiscoveryReport& report) {
  std::string out;
  for (const auto& e : report.errors) out += e.describe() + "\n";
  return out;
}

TEST(DiscoveryTest, ListsPluginsWithoutLoadingAnyLibrary) {
  TempDir dir;
  install_fixture("good", dir.path());
  install_fixture("crash", dir.path());
  auto d = discover({dir.path()});
  EXPECT_TRUE(d.report.errors.empty()) << errors_of(d.report);
  EXPECT_EQ(d.report.packages, 2u);
  EXPECT_TRUE(d.registry->is_registered("phase_hook", "crash"));
  EXPECT_TRUE(d.registry->is_registered("phase_hook", "good"));
  EXPECT_EQ(d.registry->list_implementations("dataset_sampler"), std::vector<std::string>{"fixed"});
  for (const auto& info : d.registry->implementations()) EXPECT_FALSE(info.loaded);
  // The crashing library aborts in a static constructor: we are alive, so it never ran.
  EXPECT_FALSE(is_mapped(dir.path().string()));
}

TEST(DiscoveryTest, CreateMapsOnlyTheConfiguredLibrary) {
  TempDir dir;
  install_fixture("good", dir.path());
  install_fixture("crash", dir.path());
  auto d = discover({dir.path()});
  auto hook = d.registry->create_instance<PhaseHook>("good", {{"greeting", "hi"}});
  ASSERT_TRUE(hook) << hook.error().describe();
  EXPECT_TRUE(is_mapped((dir.path() / "libfixture_good.so").string()));
  EXPECT_FALSE(is_mapped((dir.path() / "libfixture_crash.so").string()));
  auto info = d.registry->candidates({"phase_hook", "good"});
  EXPECT_TRUE(info.front().loaded);
  EXPECT_FALSE(d.registry->candidates({"phase_hook", "crash"}).front().loaded);
}

TEST(DiscoveryTest, PluginCallbacksRunAndTheirExceptionsStayCatchable) {
  TempDir dir;
  install_fixture("good", dir.path());
  auto d = discover({dir.path()});
  auto hook = Factory<PhaseHook>(*d.registry).create("Good", {{"greeting", "hello"}});
  struct Recorder final : PhaseHookRegistrar {
    std::vector<PhaseCallback> start;
    void register_phase_start(std::string, PhaseCallback cb) override { start.push_back(cb); }
    void register_phase_complete(std::string, PhaseCallback) override {}
  } recorder;
  hook->register_with(recorder);
  ASSERT_EQ(recorder.start.size(), 1u);
  PhaseStats stats;
  stats.phase = "explode";
  EXPECT_THROW(
      {
        try {
          recorder.start[0](stats);
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "hello exploded");
          throw;
        }
      },
      std::runtime_error);
}

TEST(DiscoveryTest, FactoryRejectsBadConfigWithTheReason) {
  TempDir dir;
  install_fixture("good", dir.path());
  auto d = discover({dir.path()});
  auto missing = d.registry->create_instance<PhaseHook>("good");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kFactoryFailed);
  EXPECT_NE(missing.error().message.find("missing required key 'greeting'"), std::string::npos);
  EXPECT_EQ(missing.error().subject, "phase_hook:good");
  EXPECT_EQ(missing.error().package, "aiperf-fixture-good");

  auto typo = d.registry->create_instance<PhaseHook>("good", {{"greeting", "x"}, {"greting", 1}});
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("did you mean 'greeting'"), std::string::npos)
      << typo.error().message;

  auto wrong_type = d.registry->create_instance<PhaseHook>("good", {{"greeting", 5}});
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().message.find("wrong type"), std::string::npos);

  auto thrown = d.registry->create_instance<TimingStrategy>("throws");
  ASSERT_FALSE(thrown);
  EXPECT_EQ(thrown.error().code, ErrorCode::kFactoryFailed);
  EXPECT_EQ(thrown.error().message, "unknown exception");
}

TEST(DiscoveryTest, ConfigReachesThePlugin) {
  TempDir dir;
  install_fixture("good", dir.path());
  auto d = discover({dir.path()});
  auto sampler = d.registry->create_instance<DatasetSampler>("fixed", {{"index", 1000}});
  ASSERT_TRUE(sampler) << sampler.error().describe();
  EXPECT_EQ((*sampler)->next_index(), 1000u);
}

TEST(DiscoveryTest, BadManifestsAreReportedAndOthersStillLoad) {
  TempDir dir;
  install_fixture("good", dir.path());
  write_file(dir.path() / "broken.aiperf-plugin.json", "{\"package\": ");
  write_file(dir.path() / "escape.aiperf-plugin.json",
             manifest_text("escape", "phase_hook", "escape", "s", 0, "../libx.so"));
  write_file(dir.path() / "unknown.aiperf-plugin.json",
             manifest_text("unknown", "exporter", "csv", "s"));
  auto d = discover({dir.path()});
  ASSERT_EQ(d.report.errors.size(), 3u) << errors_of(d.report);
  EXPECT_EQ(d.report.errors[0].code, ErrorCode::kMalformedJson);
  EXPECT_EQ(d.report.errors[1].code, ErrorCode::kLibraryOutsideDirectory);
  EXPECT_EQ(d.report.errors[2].code, ErrorCode::kUnknownProtocol);
  EXPECT_NE(d.report.errors[0].describe().find("broken.aiperf-plugin.json"), std::string::npos);
  EXPECT_TRUE(d.registry->is_registered("phase_hook", "good"));
}

TEST(DiscoveryTest, ManifestAbiMismatchIsRefusedBeforeLoading) {
  TempDir dir;
  install_fixture("good", dir.path());
  fs::remove(dir.path() / "good.aiperf-plugin.json");
  write_file(dir.path() / "future.aiperf-plugin.json",
             manifest_text("future", "phase_hook", "future", "fixture_good_hook", 0,
                           "libfixture_good.so", 2));
  auto d = discover({dir.path()});
  ASSERT_EQ(d.report.errors.size(), 1u);
  EXPECT_EQ(d.report.errors[0].code, ErrorCode::kAbiMismatch);
  EXPECT_NE(d.report.errors[0].message.find("plugin API 2.0 is not supported"), std::string::npos)
      << d.report.errors[0].message;
  EXPECT_FALSE(d.registry->is_registered("phase_hook", "future"));
  EXPECT_FALSE(is_mapped(dir.path().string()));
}

TEST(DiscoveryTest, LibraryAbiMismatchIsRefusedNamingBothVersions) {
  TempDir dir;
  install_fixture("abi_major", dir.path());
  install_fixture("abi_tag", dir.path());
  auto d = discover({dir.path()});
  ASSERT_TRUE(d.report.errors.empty()) << errors_of(d.report);
  auto major = d.registry->create_instance<PhaseHook>("abi_major");
  ASSERT_FALSE(major);
  EXPECT_EQ(major.error().code, ErrorCode::kAbiMismatch);
  EXPECT_NE(major.error().message.find("SDK 9.9.9"), std::string::npos) << major.error().message;
  EXPECT_NE(major.error().message.find("plugin API 99.0"), std::string::npos);
  EXPECT_NE(major.error().message.find("plugin API 1."), std::string::npos);

  auto tag = d.registry->create_instance<PhaseHook>("abi_tag");
  ASSERT_FALSE(tag);
  EXPECT_EQ(tag.error().code, ErrorCode::kAbiMismatch);
  EXPECT_NE(tag.error().message.find("'itanium/libc++/x86_64'"), std::string::npos);
  EXPECT_NE(tag.error().message.find(AIPERF_ABI_TAG), std::string::npos);
  EXPECT_NE(tag.error().message.find("fake-cc 1.0"), std::string::npos);
}

TEST(DiscoveryTest, MissingLibraryAndSymbolAreNamed) {
  TempDir dir;
  install_fixture("good", dir.path());
  write_file(dir.path() / "nolib.aiperf-plugin.json",
             manifest_text("nolib", "phase_hook", "nolib", "f", 0, "libnothere.so"));
  write_file(dir.path() / "nosym.aiperf-plugin.json",
             manifest_text("nosym", "phase_hook", "nosym", "no_such_symbol"));
  auto d = discover({dir.path()});
  auto nolib = d.registry->create_instance<PhaseHook>("nolib");
  ASSERT_FALSE(nolib);
  EXPECT_EQ(nolib.error().code, ErrorCode::kLibraryMissing);
  EXPECT_NE(nolib.error().describe().find("libnothere.so does not exist"), std::string::npos);
  EXPECT_NE(nolib.error().describe().find("nolib.aiperf-plugin.json"), std::string::npos);
  auto nosym = d.registry->create_instance<PhaseHook>("nosym");
  ASSERT_FALSE(nosym);
  EXPECT_EQ(nosym.error().code, ErrorCode::kSymbolMissing);
  EXPECT_NE(nosym.error().message.find("'no_such_symbol'"), std::string::npos);
}

TEST(DiscoveryTest, FactoryOfAnotherProtocolIsNeverCast) {
  TempDir dir;
  install_fixture("good", dir.path());
  write_file(dir.path() / "liar.aiperf-plugin.json",
             manifest_text("liar", "endpoint", "liar", "fixture_good_hook"));
  auto d = discover({dir.path()});
  auto e = d.registry->create_instance<Endpoint>("liar");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kProtocolMismatch);
  EXPECT_NE(e.error().message.find("builds a phase_hook, not a endpoint"), std::string::npos)
      << e.error().message;
}

TEST(DiscoveryTest, InsecurePluginsAreRefusedUnlessAllowed) {
  TempDir dir;
  install_fixture("good", dir.path());
  fs::permissions(dir.path() / "good.aiperf-plugin.json", fs::perms::others_write,
                  fs::perm_options::add);
  auto refused = discover({dir.path()});
  ASSERT_EQ(refused.report.errors.size(), 1u);
  EXPECT_EQ(refused.report.errors[0].code, ErrorCode::kInsecure);
  EXPECT_NE(refused.report.errors[0].message.find("world-writable"), std::string::npos);
  EXPECT_FALSE(refused.registry->is_registered("phase_hook", "good"));

  auto allowed = discover({dir.path()}, RegistryOptions{true});
  EXPECT_TRUE(allowed.report.errors.empty());
  EXPECT_TRUE(allowed.registry->is_registered("phase_hook", "good"));
}

TEST(DiscoveryTest, WorldWritableLibraryIsRefusedAtLoad) {
  TempDir dir;
  install_fixture("good", dir.path());
  fs::permissions(dir.path() / "libfixture_good.so", fs::perms::others_write, fs::perm_options::add);
  auto d = discover({dir.path()});
  auto hook = d.registry->create_instance<PhaseHook>("good", {{"greeting", "x"}});
  ASSERT_FALSE(hook);
  EXPECT_EQ(hook.error().code, ErrorCode::kInsecure);
  EXPECT_NE(hook.error().message.find("--allow-insecure-plugins"), std::string::npos);
  EXPECT_FALSE(is_mapped(dir.path().string()));
}

TEST(DiscoveryTest, FirstPackageOnTheSearchPathWins) {
  TempDir first, second;
  install_fixture("good", first.path());
  install_fixture("good", second.path());
  auto d = discover({first.path(), second.path()});
  ASSERT_EQ(d.report.errors.size(), 1u);
  EXPECT_EQ(d.report.errors[0].code, ErrorCode::kDuplicatePackage);
  EXPECT_EQ(d.report.errors[0].file, (second.path() / "good.aiperf-plugin.json").string());
  auto c = d.registry->candidates({"phase_hook", "good"});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].package->manifest.path.parent_path(), first.path());
}

TEST(DiscoveryTest, ManifestsAreTakenInByteOrderOfTheirFileNames) {
  // Names that share prefixes of every length, tie on the bytes after the common
  // prefix, differ only in length, or have bytes >= 0x80; and many numbered ones.
  std::vector<std::string> stems = {"a", "aa", "ab", "a\xc3\xa9", "B", "abcdefghij1", "abcdefghij0",
                                    "abcdefghij", "abcdefgh", "9", "10", "100",
                                    std::string(40, 'z'), std::string(39, 'z') + "y"};
  for (int i = 0; i < 300; ++i) stems.push_back(std::to_string((i * 7919) % 1000));
  std::sort(stems.begin(), stems.end());
  stems.erase(std::unique(stems.begin(), stems.end()), stems.end());
  TempDir dir;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < stems.size(); ++i) {
    names.push_back("plugin-" + stems[i] + std::string(kManifestSuffix));
    write_file(dir.path() / names.back(),
               manifest_text("pkg-" + std::to_string(i), "phase_hook", "e" + std::to_string(i), "f", 0, "lib.so"));
  }
  std::sort(names.begin(), names.end());  // std::string's order: bytes as unsigned char
  auto d = discover({dir.path()});
  EXPECT_TRUE(d.report.errors.empty()) << errors_of(d.report);
  std::vector<std::pair<uint64_t, std::string>> found;
  for (const auto& i : d.registry->implementations()) {
    if (i.package) found.emplace_back(i.package->rank, i.package->manifest.path.filename().string());
  }
  std::sort(found.begin(), found.end());
  ASSERT_EQ(found.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(found[i].second, names[i]) << "at " << i;
}

TEST(DiscoveryTest, HigherPriorityBeatsSearchOrder) {
  TempDir first, second;
  install_fixture("good", first.path());
  install_fixture("good", second.path());
  fs::remove(first.path() / "good.aiperf-plugin.json");
  fs::remove(second.path() / "good.aiperf-plugin.json");
  write_file(first.path() / "low.aiperf-plugin.json",
             manifest_text("low", "phase_hook", "shared", "fixture_good_hook", 0));
  write_file(second.path() / "high.aiperf-plugin.json",
             manifest_text("high", "phase_hook", "shared", "fixture_good_hook", 5));
  write_file(second.path() / "late.aiperf-plugin.json",
             manifest_text("late", "phase_hook", "shared", "fixture_good_hook", 0));
  auto d = discover({first.path(), second.path()});
  auto c = d.registry->candidates({"phase_hook", "shared"});
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].package->manifest.package, "high");
  EXPECT_EQ(c[1].package->manifest.package, "low");  // same priority: earlier on the path
  EXPECT_EQ(c[2].package->manifest.package, "late");
  EXPECT_FALSE(c[0].shadowed_by);
  EXPECT_NE(c[1].shadowed_by->find("plugin high"), std::string::npos);
  EXPECT_EQ(d.registry->conflicts().size(), 2u);
  auto hook = d.registry->create_instance<PhaseHook>("shared", {{"greeting", "x"}});
  ASSERT_TRUE(hook);
  EXPECT_TRUE(is_mapped((second.path() / "libfixture_good.so").string()));
  EXPECT_FALSE(is_mapped((first.path() / "libfixture_good.so").string()));
}

TEST(DiscoveryTest, LoadFailureIsCachedNotRetried) {
  TempDir dir;
  install_fixture("good", dir.path());
  fs::rename(dir.path() / "libfixture_good.so", dir.path() / "moved.so");
  auto d = discover({dir.path()});
  auto first = d.registry->get_implementation("phase_hook", "good");
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::kLibraryMissing);
  fs::rename(dir.path() / "moved.so", dir.path() / "libfixture_good.so");
  auto second = d.registry->get_implementation("phase_hook", "good");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kLibraryMissing);
}

TEST(DiscoveryTest, ConcurrentCreatesLoadOnce) {
  TempDir dir;
  install_fixture("good", dir.path());
  auto d = discover({dir.path()});
  constexpr int kThreads = 8, kCreates = 50;
  std::atomic<int> ok{0};
  std::atomic<aiperf_factory_fn> seen{nullptr};
  std::atomic<bool> same{true};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCreates; ++i) {
        auto fn = d.registry->get_implementation("phase_hook", "good");
        auto hook = d.registry->create_instance<PhaseHook>("good", {{"greeting", "x"}});
        if (fn && hook) ++ok;
        aiperf_factory_fn expected = nullptr;
        if (fn && !seen.compare_exchange_strong(expected, *fn) && expected != *fn) same = false;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kThreads * kCreates);
  EXPECT_TRUE(same);
}

}  // namespace
}  // namespace aiperf::plugin

namespace aiperf::plugin {
namespace {

TEST(DiscoveryTest, MappedPackagesAreExactlyTheOnesLoaded) {
  TempDir dir;
  install_fixture("good", dir.path());
  install_fixture("crash", dir.path());
  install_fixture("recorder", dir.path());
  auto d = discover({dir.path()});
  EXPECT_TRUE(d.registry->mapped_packages().empty());
  ASSERT_TRUE(d.registry->create_instance<PhaseHook>("good", {{"greeting", "x"}}));
  auto mapped = d.registry->mapped_packages();
  ASSERT_EQ(mapped.size(), 1u);
  EXPECT_EQ(mapped[0]->manifest.package, "aiperf-fixture-good");
}


// ---- discovery on a fake directory tree (no real files) ----------------------

struct FakeDiscovered {
  std::unique_ptr<PluginRegistry> registry;
  DiscoveryReport report;
};

FakeDiscovered discover_fake(const internal::FakeFileSystem& fake, const std::vector<fs::path>& dirs) {
  RegistryOptions options;
  options.file_system = &fake;
  FakeDiscovered d{std::make_unique<PluginRegistry>(options), {}};
  std::vector<SearchDir> path;
  for (const auto& dir : dirs) path.push_back({dir, PathOrigin::kCommandLine});
  d.report = d.registry->discover(path);
  return d;
}

std::string fake_manifest(std::string_view package, std::string_view name) {
  return manifest_text(package, "phase_hook", name, "f", 0, "lib.so");
}

TEST(FakeDiscoveryTest, ListsTheManifestsOfAFakeDirectoryInNameOrder) {
  internal::FakeFileSystem fake;
  fake.add_file("/opt/plugins/b.aiperf-plugin.json", fake_manifest("pkg-b", "b"));
  fake.add_file("/opt/plugins/a.aiperf-plugin.json", fake_manifest("pkg-a", "a"));
  fake.add_file("/opt/plugins/README", "not a manifest");
  auto d = discover_fake(fake, {"/opt/plugins"});
  EXPECT_TRUE(d.report.errors.empty()) << errors_of(d.report);
  EXPECT_EQ(d.report.manifests, 2u);
  EXPECT_EQ(d.report.packages, 2u);
  auto hooks = d.registry->implementations();
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_EQ(hooks[0].package->manifest.path, "/opt/plugins/a.aiperf-plugin.json");
  EXPECT_EQ(hooks[0].package->manifest.library, "/opt/plugins/lib.so");
  EXPECT_EQ(hooks[0].package->rank + 1, hooks[1].package->rank);  // a before b
  EXPECT_EQ(fake.reads(), 2u);  // README was never read
}

TEST(FakeDiscoveryTest, MissingDirectoryIsNotAnError) {
  internal::FakeFileSystem fake;
  auto d = discover_fake(fake, {"/nowhere/plugins"});
  EXPECT_TRUE(d.report.errors.empty()) << errors_of(d.report);
  EXPECT_EQ(d.report.manifests, 0u);
}

TEST(FakeDiscoveryTest, WorldWritableManifestIsSkippedUnparsed) {
  internal::FakeFileSystem fake;
  fake.add_file("/opt/plugins/a.aiperf-plugin.json", fake_manifest("pkg-a", "a"), 0666);
  auto before = internal::manifest_parse_counts().total;
  auto d = discover_fake(fake, {"/opt/plugins"});
  EXPECT_EQ(internal::manifest_parse_counts().total, before);
  ASSERT_EQ(d.report.errors.size(), 1u);
  EXPECT_EQ(d.report.errors[0].code, ErrorCode::kInsecure);
  EXPECT_EQ(d.report.packages, 0u);
}

TEST(FakeDiscoveryTest, DirectoryOfAnotherUserOnTheWayIsRefused) {
  internal::FakeFileSystem fake;
  fake.add_directory("/home/mallory", 0755, 4242);
  fake.add_file("/home/mallory/plugins/a.aiperf-plugin.json", fake_manifest("pkg-a", "a"));
  auto d = discover_fake(fake, {"/home/mallory/plugins"});
  ASSERT_EQ(d.report.errors.size(), 1u);
  EXPECT_EQ(d.report.errors[0].code, ErrorCode::kInsecure);
  EXPECT_NE(d.report.errors[0].message.find("another user (uid 4242)"), std::string::npos)
      << d.report.errors[0].message;
}

TEST(FakeDiscoveryTest, StickyWorldWritableAncestorIsFine) {
  internal::FakeFileSystem fake;
  fake.add_directory("/tmp", 01777);
  fake.add_file("/tmp/p/a.aiperf-plugin.json", fake_manifest("pkg-a", "a"));
  auto d = discover_fake(fake, {"/tmp/p"});
  EXPECT_TRUE(d.report.errors.empty()) << errors_of(d.report);
  EXPECT_EQ(d.report.packages, 1u);
  fake.chmod("/tmp", 0777);  // the same without the sticky bit
  EXPECT_EQ(discover_fake(fake, {"/tmp/p"}).report.packages, 0u);
}

TEST(FakeDiscoveryTest, SymlinkedManifestIsJudgedWhereItLeads) {
  internal::FakeFileSystem fake;
  fake.add_directory("/srv/drop", 0777);
  fake.add_file("/srv/drop/x.aiperf-plugin.json", fake_manifest("pkg-x", "x"));
  fake.add_file("/srv/ok/y.aiperf-plugin.json", fake_manifest("pkg-y", "y"));
  fake.add_symlink("/opt/plugins/x.aiperf-plugin.json", "/srv/drop/x.aiperf-plugin.json");
  fake.add_symlink("/opt/plugins/y.aiperf-plugin.json", "../../srv/ok/y.aiperf-plugin.json");
  auto d = discover_fake(fake, {"/opt/plugins"});
  ASSERT_EQ(d.report.errors.size(), 1u) << errors_of(d.report);
  EXPECT_EQ(d.report.errors[0].code, ErrorCode::kInsecure);
  EXPECT_EQ(d.report.errors[0].file, "/opt/plugins/x.aiperf-plugin.json");
  EXPECT_TRUE(d.registry->is_registered("phase_hook", "y"));
  EXPECT_FALSE(d.registry->is_registered("phase_hook", "x"));
}

TEST(FakeDiscoveryTest, SymlinkLoopIsReportedNotFollowedForever) {
  internal::FakeFileSystem fake;
  fake.add_symlink("/opt/plugins/a.aiperf-plugin.json", "b.aiperf-plugin.json");
  fake.add_symlink("/opt/plugins/b.aiperf-plugin.json", "a.aiperf-plugin.json");
  auto d = discover_fake(fake, {"/opt/plugins"});
  ASSERT_EQ(d.report.errors.size(), 2u);
  EXPECT_EQ(d.report.errors[0].code, ErrorCode::kManifestUnreadable);
  EXPECT_EQ(d.report.packages, 0u);
}

TEST(FakeDiscoveryTest, ManifestOverOneMebibyteIsRefusedUnparsed) {
  internal::FakeFileSystem fake;
  std::string huge = fake_manifest("pkg-a", "a");
  huge.insert(huge.size() - 1, ", \"pad\": \"" + std::string(kMaxManifestBytes, 'x') + "\"");
  fake.add_file("/opt/plugins/a.aiperf-plugin.json", huge);
  auto before = internal::manifest_parse_counts().total;
  auto d = discover_fake(fake, {"/opt/plugins"});
  ASSERT_EQ(d.report.errors.size(), 1u);
  EXPECT_EQ(d.report.errors[0].code, ErrorCode::kTooLarge);
  EXPECT_NE(d.report.errors[0].message.find("1 MiB"), std::string::npos);
  EXPECT_EQ(internal::manifest_parse_counts().total, before);
}

}  // namespace
}  // namespace aiperf::plugin
