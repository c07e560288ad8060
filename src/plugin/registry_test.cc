// Registry rules that need no plugin library: built-ins, names, conflicts.
#include "plugin/registry.h"

#include <gtest/gtest.h>

#include "aiperf/sdk/plugin.h"
#include "plugin/factory.h"
#include "support/test_support.h"

namespace aiperf::plugin {
namespace {

class CountingSampler final : public DatasetSampler {
 public:
  explicit CountingSampler(const PluginConfig& config) : next_(config.get<std::size_t>("start", 0)) {}
  void bind(const DatasetInfo&) override {}
  std::size_t next_index() override { return next_++; }

 private:
  std::size_t next_;
};

aiperf_factory_fn sampler_factory() { return &sdk_detail::create<DatasetSampler, CountingSampler>; }

TEST(RegistryTest, CreatesBuiltinWithItsConfig) {
  PluginRegistry registry;
  registry.register_builtin("dataset_sampler", "counting", sampler_factory(), "counts");
  auto sampler = registry.create_instance<DatasetSampler>("counting", {{"start", 7}});
  ASSERT_TRUE(sampler) << sampler.error().describe();
  EXPECT_EQ((*sampler)->next_index(), 7u);
  EXPECT_EQ((*sampler)->next_index(), 8u);
}

TEST(RegistryTest, NamesInAnyOrderAreListedInOrderAndOneNameKeepsAllItsCandidates) {
  // In order, backwards, interleaved across protocols and repeated: each place
  // the registry tries first (after the protocol's last name) is right or wrong.
  PluginRegistry registry;
  std::vector<std::string> expected;
  const char* order[] = {"b", "d", "f", "e", "a", "g", "c", "g", "a", "h"};
  for (const char* name : order) {
    registry.register_builtin("dataset_sampler", name, sampler_factory(), "first");
    registry.register_builtin("timing_strategy", name, sampler_factory(), "");
    registry.register_builtin("dataset_sampler", std::string(name) + "2", sampler_factory(), "");
  }
  for (const char* name : {"a", "a2", "b", "b2", "c", "c2", "d", "d2", "e", "e2", "f", "f2", "g", "g2", "h", "h2"}) {
    expected.push_back(name);
  }
  EXPECT_EQ(registry.list_implementations("dataset_sampler"), expected);
  EXPECT_EQ(registry.list_implementations("timing_strategy"),
            (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h"}));
  auto a = registry.candidates({"dataset_sampler", "a"});
  ASSERT_EQ(a.size(), 2u);  // registered twice: both kept, the first one wins
  EXPECT_FALSE(a[0].shadowed_by);
  EXPECT_TRUE(a[1].shadowed_by);
  EXPECT_EQ(registry.candidates({"timing_strategy", "g"}).size(), 2u);
}

TEST(RegistryTest, NamesAreNormalisedEverywhere) {
  PluginRegistry registry;
  registry.register_builtin("Dataset-Sampler", "My-Counter", sampler_factory(), "");
  EXPECT_TRUE(registry.is_registered("dataset_sampler", "my_counter"));
  EXPECT_TRUE(registry.is_registered("DATASET_SAMPLER", "MY-COUNTER"));
  EXPECT_TRUE(registry.create_instance<DatasetSampler>("my-COUNTER"));
  EXPECT_EQ(registry.list_implementations("dataset-sampler"), std::vector<std::string>{"my_counter"});
}

TEST(RegistryTest, UnknownNameListsWhatIsAvailable) {
  PluginRegistry registry;
  registry.register_builtin("dataset_sampler", "random", sampler_factory(), "");
  registry.register_builtin("dataset_sampler", "sequential", sampler_factory(), "");
  auto missing = registry.create_instance<DatasetSampler>("weighted");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message,
            "no dataset_sampler implementation named 'weighted'; available: random, sequential");
  EXPECT_THROW(Factory<DatasetSampler>(registry).create("weighted"), PluginException);
}

TEST(RegistryTest, UnknownProtocolIsNamed) {
  PluginRegistry registry;
  auto missing = registry.get_implementation("exporter", "csv");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("unknown protocol 'exporter'"), std::string::npos);
}

TEST(RegistryTest, ConfigMustBeAMapping) {
  PluginRegistry registry;
  registry.register_builtin("dataset_sampler", "counting", sampler_factory(), "");
  auto bad = registry.create_instance<DatasetSampler>("counting", nlohmann::json::array({1, 2}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kFactoryFailed);
  EXPECT_NE(bad.error().message.find("must be a mapping"), std::string::npos);
}

TEST(RegistryTest, PluginOverridesBuiltinAndSaysSo) {
  testing::TempDir dir;
  testing::install_fixture("good", dir.path());
  PluginRegistry registry;
  registry.register_builtin("dataset_sampler", "fixed", sampler_factory(), "built-in fixed");
  auto report = registry.discover({{dir.path(), PathOrigin::kCommandLine}});
  auto c = registry.candidates({"dataset_sampler", "fixed"});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].source, Source::kPlugin);
  EXPECT_EQ(c[1].source, Source::kBuiltin);
  ASSERT_TRUE(c[1].shadowed_by);
  EXPECT_NE(c[1].shadowed_by->find("plugin aiperf-fixture-good"), std::string::npos);
  auto conflicts = registry.conflicts();
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_NE(conflicts[0].find("dataset_sampler:fixed: plugin aiperf-fixture-good"),
            std::string::npos);
  EXPECT_NE(conflicts[0].find("overrides built-in"), std::string::npos);
  // Every command can print them from the report: discovery puts them there.
  EXPECT_EQ(report.notes, conflicts);
  auto sampler = registry.create_instance<DatasetSampler>("fixed", {{"index", 3}});
  ASSERT_TRUE(sampler);
  EXPECT_EQ((*sampler)->next_index(), 3u);  // the plugin's behaviour, not the counter's
  EXPECT_EQ((*sampler)->next_index(), 3u);
}

TEST(RegistryTest, DiscoveryWithoutConflictsHasNoNotes) {
  testing::TempDir dir;
  testing::install_fixture("good", dir.path());
  PluginRegistry registry;
  registry.register_builtin("dataset_sampler", "counting", sampler_factory(), "built-in");
  auto report = registry.discover({{dir.path(), PathOrigin::kCommandLine}});
  EXPECT_EQ(report.packages, 1u);
  EXPECT_TRUE(report.notes.empty());
}

TEST(PluginErrorTest, DescribeNamesWhatIsKnown) {
  Error e = make_error(ErrorCode::kAbiMismatch, "plugin API 2.0").about("phase_hook:x").in_package("aiperf-x").in_file("/p/x.aiperf-plugin.json");
  EXPECT_EQ(e.describe(),
            "phase_hook:x (package aiperf-x, /p/x.aiperf-plugin.json): abi mismatch: plugin API 2.0");
  e.subject.clear();
  EXPECT_EQ(e.describe(), "(package aiperf-x, /p/x.aiperf-plugin.json): abi mismatch: plugin API 2.0");
  e.package.clear();
  EXPECT_EQ(e.describe(), "(/p/x.aiperf-plugin.json): abi mismatch: plugin API 2.0");
  e.file.clear();
  EXPECT_EQ(e.describe(), "abi mismatch: plugin API 2.0");
  e.subject = "endpoint:y";
  EXPECT_EQ(e.describe(), "endpoint:y: abi mismatch: plugin API 2.0");
  e.package = "pkg";
  EXPECT_EQ(e.describe(), "endpoint:y (package pkg): abi mismatch: plugin API 2.0");
}

}  // namespace
}  // namespace aiperf::plugin
