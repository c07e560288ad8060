#include "plugin/manifest.h"

#include <gtest/gtest.h>

namespace aiperf::plugin {
namespace {

const std::filesystem::path kPath = "/plugins/datadog.aiperf-plugin.json";

constexpr std::string_view kGood = R"({
  "schema_version": "1.0",
  "package": "aiperf-datadog-plugin",
  "version": "1.2.0",
  "library": "libaiperf_datadog.so",
  "abi": {"major": 1, "minor": 0},
  "plugins": {
    "phase_hook": {
      "Data-Dog": {"symbol": "aiperf_datadog_phase_hook", "description": "Sends metrics",
                   "priority": 3, "metadata": {"sink": "udp"}}
    }
  }
})";

// Replaces the first occurrence of `from` in the good manifest.
std::string with(std::string_view from, std::string_view to) {
  std::string text(kGood);
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

PluginError error_of(std::string_view text) {
  auto parsed = parse_manifest(kPath, text);
  EXPECT_FALSE(parsed.has_value());
  return parsed ? PluginError{} : parsed.error();
}

TEST(ManifestTest, ParsesTheDocumentedExample) {
  auto parsed = parse_manifest(kPath, kGood);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  const Manifest& m = parsed->manifest;
  EXPECT_EQ(m.package, "aiperf-datadog-plugin");
  EXPECT_EQ(m.version, "1.2.0");
  EXPECT_EQ(m.library, "/plugins/libaiperf_datadog.so");
  EXPECT_EQ(m.abi_major, 1);
  ASSERT_EQ(m.entries.size(), 1u);
  EXPECT_EQ(m.entries[0].protocol, "phase_hook");
  EXPECT_EQ(m.entries[0].name, "data_dog");  // normalised
  EXPECT_EQ(m.entries[0].symbol, "aiperf_datadog_phase_hook");
  EXPECT_EQ(m.entries[0].priority, 3);
  EXPECT_EQ(m.entries[0].metadata["sink"], "udp");
}

TEST(ManifestTest, MalformedJsonNamesLineAndColumn) {
  auto e = error_of("{\n  \"package\": \"x\",\n  oops\n}");
  EXPECT_EQ(e.reason, Reason::kMalformedJson);
  EXPECT_NE(e.message.find("line 3, column"), std::string::npos) << e.message;
  EXPECT_EQ(e.manifest, kPath.string());
}

TEST(ManifestTest, MissingKeyIsNamed) {
  auto e = error_of(with(R"("version": "1.2.0",)", ""));
  EXPECT_EQ(e.reason, Reason::kInvalidManifest);
  EXPECT_NE(e.message.find("missing key 'version'"), std::string::npos) << e.message;
  EXPECT_EQ(e.package, "aiperf-datadog-plugin");
}

TEST(ManifestTest, WrongTypeIsNamed) {
  auto e = error_of(with(R"("major": 1)", R"("major": "one")"));
  EXPECT_EQ(e.reason, Reason::kInvalidManifest);
  EXPECT_NE(e.message.find("'abi.major' must be number"), std::string::npos) << e.message;
}

TEST(ManifestTest, WrongEntryTypeIsNamed) {
  auto e = error_of(with(R"("priority": 3)", R"("priority": 1.5)"));
  EXPECT_NE(e.message.find("priority' must be an integer"), std::string::npos) << e.message;
}

TEST(ManifestTest, UnknownProtocolSkipsOnlyThatEntry) {
  auto parsed = parse_manifest(kPath, with(R"("plugins": {)",
                                           R"("plugins": {"exporter": {"csv": {"symbol": "s"}}, )"));
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->manifest.entries.size(), 1u);
  ASSERT_EQ(parsed->skipped_entries.size(), 1u);
  EXPECT_EQ(parsed->skipped_entries[0].reason, Reason::kUnknownProtocol);
  EXPECT_EQ(parsed->skipped_entries[0].implementation, "exporter:csv");
}

TEST(ManifestTest, DuplicateNamesAfterNormalisationAreRejected) {
  auto e = error_of(with(R"("Data-Dog": {)", R"("data_dog": {"symbol": "a"}, "Data-Dog": {)"));
  EXPECT_EQ(e.reason, Reason::kDuplicateName);
  EXPECT_NE(e.message.find("phase_hook:data_dog"), std::string::npos) << e.message;
}

TEST(ManifestTest, DuplicateJsonKeysAreRejected) {
  auto e = error_of(with(R"("Data-Dog": {)", R"("Data-Dog": {"symbol": "a"}, "Data-Dog": {)"));
  EXPECT_EQ(e.reason, Reason::kDuplicateName);
  EXPECT_NE(e.message.find("'Data-Dog' appears twice"), std::string::npos) << e.message;
}

TEST(ManifestTest, LibraryMayNotEscapeItsDirectory) {
  for (std::string_view bad : {"../lib.so", "/usr/lib/lib.so", "a/../../lib.so", ".", ""}) {
    auto e = error_of(with(R"("libaiperf_datadog.so")", "\"" + std::string(bad) + "\""));
    EXPECT_EQ(e.reason, Reason::kLibraryOutsideDirectory) << bad;
  }
  auto nested = parse_manifest(kPath, with(R"("libaiperf_datadog.so")", R"("sub/../sub/lib.so")"));
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->manifest.library, "/plugins/sub/lib.so");
}

TEST(ManifestTest, NewerSchemaIsRefusedClearly) {
  auto e = error_of(with(R"("schema_version": "1.0")", R"("schema_version": "2.0")"));
  EXPECT_EQ(e.reason, Reason::kUnsupportedSchema);
  EXPECT_NE(e.message.find("reads 1.x"), std::string::npos) << e.message;
}

TEST(ManifestTest, TopLevelMustBeAnObject) {
  EXPECT_EQ(error_of("[1, 2]").reason, Reason::kInvalidManifest);
}

TEST(ManifestTest, UnreadableFileIsReported) {
  auto parsed = read_manifest("/nonexistent/x.aiperf-plugin.json");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().reason, Reason::kManifestUnreadable);
  EXPECT_NE(parsed.error().describe().find("/nonexistent/x.aiperf-plugin.json"), std::string::npos);
}

}  // namespace
}  // namespace aiperf::plugin
