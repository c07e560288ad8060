#include "plugin/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <random>

#include "plugin/internal/padded_text.h"
#include "plugin/internal/test_hooks.h"
#include "plugin/manifest_parser.h"
#include "support/test_support.h"

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

Error error_of(std::string_view text) {
  auto parsed = parse_manifest(kPath, text);
  EXPECT_FALSE(parsed.has_value());
  return parsed ? Error{} : parsed.error();
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
  EXPECT_EQ(e.code, ErrorCode::kMalformedJson);
  EXPECT_NE(e.message.find("line 3, column"), std::string::npos) << e.message;
  EXPECT_EQ(e.file, kPath.string());
}

TEST(ManifestTest, MissingKeyIsNamed) {
  auto e = error_of(with(R"("version": "1.2.0",)", ""));
  EXPECT_EQ(e.code, ErrorCode::kInvalidManifest);
  EXPECT_NE(e.message.find("missing key 'version'"), std::string::npos) << e.message;
  EXPECT_EQ(e.package, "aiperf-datadog-plugin");
}

TEST(ManifestTest, WrongTypeIsNamed) {
  auto e = error_of(with(R"("major": 1)", R"("major": "one")"));
  EXPECT_EQ(e.code, ErrorCode::kInvalidManifest);
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
  EXPECT_EQ(parsed->skipped_entries[0].code, ErrorCode::kUnknownProtocol);
  EXPECT_EQ(parsed->skipped_entries[0].subject, "exporter:csv");
}

TEST(ManifestTest, DuplicateNamesAfterNormalisationAreRejected) {
  auto e = error_of(with(R"("Data-Dog": {)", R"("data_dog": {"symbol": "a"}, "Data-Dog": {)"));
  EXPECT_EQ(e.code, ErrorCode::kDuplicateName);
  EXPECT_NE(e.message.find("phase_hook:data_dog"), std::string::npos) << e.message;
}

TEST(ManifestTest, DuplicateJsonKeysAreRejected) {
  auto e = error_of(with(R"("Data-Dog": {)", R"("Data-Dog": {"symbol": "a"}, "Data-Dog": {)"));
  EXPECT_EQ(e.code, ErrorCode::kDuplicateName);
  EXPECT_NE(e.message.find("'Data-Dog' appears twice"), std::string::npos) << e.message;
}

TEST(ManifestTest, LibraryMayNotEscapeItsDirectory) {
  for (std::string_view bad : {"../lib.so", "/usr/lib/lib.so", "a/../../lib.so", ".", ""}) {
    // Appended, not "\"" + std::string: GCC 12 -O3 warns (-Wrestrict) about the latter.
    auto e = error_of(with(R"("libaiperf_datadog.so")", std::string("\"").append(bad).append("\"")));
    EXPECT_EQ(e.code, ErrorCode::kLibraryOutsideDirectory) << bad;
  }
  auto nested = parse_manifest(kPath, with(R"("libaiperf_datadog.so")", R"("sub/../sub/lib.so")"));
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->manifest.library, "/plugins/sub/lib.so");
}

TEST(ManifestTest, NewerSchemaIsRefusedClearly) {
  auto e = error_of(with(R"("schema_version": "1.0")", R"("schema_version": "2.0")"));
  EXPECT_EQ(e.code, ErrorCode::kUnsupportedSchema);
  EXPECT_NE(e.message.find("reads 1.x"), std::string::npos) << e.message;
}

TEST(ManifestTest, TopLevelMustBeAnObject) {
  EXPECT_EQ(error_of("[1, 2]").code, ErrorCode::kInvalidManifest);
}

TEST(ManifestTest, UnreadableFileIsReported) {
  auto parsed = read_manifest("/nonexistent/x.aiperf-plugin.json");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kManifestUnreadable);
  EXPECT_NE(parsed.error().describe().find("/nonexistent/x.aiperf-plugin.json"), std::string::npos);
}

// ---- The fast parser against the reference parser ------------------------------

// Same type at every level and the same text: nlohmann's == would call 5u and 5 equal.
bool same_json(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type() || a.dump() != b.dump()) return false;
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!same_json(it.value(), b.at(it.key()))) return false;
    }
  } else if (a.is_array()) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same_json(a[i], b[i])) return false;
    }
  }
  return true;
}

std::string describe_error(const Error& e) {
  return std::string(error_code_name(e.code)) + "|" + e.message + "|" + e.file + "|" +
         e.package + "|" + e.subject;
}

// parse_manifest must give what the reference parser gives, for any text.
void expect_same_as_reference(std::string_view text) {
  auto fast = parse_manifest(kPath, text);
  auto reference = parse_manifest_reference(kPath, text);
  ASSERT_EQ(fast.has_value(), reference.has_value())
      << text << "\nfast: " << (fast ? "ok" : describe_error(fast.error()))
      << "\nreference: " << (reference ? "ok" : describe_error(reference.error()));
  if (!fast) {
    EXPECT_EQ(describe_error(fast.error()), describe_error(reference.error())) << text;
    return;
  }
  const Manifest& a = fast->manifest;
  const Manifest& b = reference->manifest;
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.schema_version, b.schema_version) << text;
  EXPECT_EQ(a.package, b.package) << text;
  EXPECT_EQ(a.version, b.version) << text;
  EXPECT_EQ(a.library, b.library) << text;
  EXPECT_EQ(a.abi_major, b.abi_major) << text;
  EXPECT_EQ(a.abi_minor, b.abi_minor) << text;
  ASSERT_EQ(a.entries.size(), b.entries.size()) << text;
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    EXPECT_EQ(a.entries[i].protocol, b.entries[i].protocol) << text;
    EXPECT_EQ(a.entries[i].name, b.entries[i].name) << text;
    EXPECT_EQ(a.entries[i].symbol, b.entries[i].symbol) << text;
    EXPECT_EQ(a.entries[i].description, b.entries[i].description) << text;
    EXPECT_EQ(a.entries[i].priority, b.entries[i].priority) << text;
    EXPECT_TRUE(same_json(a.entries[i].metadata, b.entries[i].metadata))
        << text << "\n" << a.entries[i].metadata.dump() << " vs " << b.entries[i].metadata.dump();
  }
  ASSERT_EQ(fast->skipped_entries.size(), reference->skipped_entries.size()) << text;
  for (std::size_t i = 0; i < fast->skipped_entries.size(); ++i) {
    EXPECT_EQ(describe_error(fast->skipped_entries[i]),
              describe_error(reference->skipped_entries[i]));
  }
}

TEST(ManifestFastPathTest, ValidManifestsNeedNoSecondParse) {
  auto before = internal::manifest_parse_counts();
  ASSERT_TRUE(parse_manifest(kPath, kGood));
  ASSERT_TRUE(parse_manifest(kPath, with(R"("plugins": {)",
                                         R"("plugins": {"exporter": {"csv": {"symbol": "s"}}, )")));
  auto after = internal::manifest_parse_counts();
  EXPECT_EQ(after.total - before.total, 2u);
  EXPECT_EQ(after.reference, before.reference);  // the fast path took both
  ASSERT_FALSE(parse_manifest(kPath, "{"));
  EXPECT_EQ(internal::manifest_parse_counts().reference, before.reference + 1);
}

TEST(ManifestFastPathTest, AgreesWithTheReferenceOnEdgeCases) {
  const std::vector<std::string> cases = {
      std::string(kGood),
      with(R"({"sink": "udp"})", R"({})"),
      with(R"({"sink": "udp"})", R"([])"),
      with(R"({"sink": "udp"})", R"(null)"),
      with(R"({"sink": "udp"})", R"("text")"),
      with(R"({"sink": "udp"})",
           R"({"n": [0, -0, 1, -1, 5, 1.5, -0.0, 0.0, 1e2, 1E-2, 2.5e+3, 9223372036854775807,
                     9223372036854775808, 18446744073709551615, -9223372036854775808],
               "b": [true, false, null], "s": "a\"b\\c\/\n\u00e9\ud83d\ude00\u0000",
               "deep": {"a": {"b": {"c": [[[{}]]]}}}, "": "empty key"})"),
      with(R"({"sink": "udp"})", R"({"big": 18446744073709551616})"),
      with(R"({"sink": "udp"})", R"({"neg": -9223372036854775809})"),
      with(R"({"sink": "udp"})", R"({"huge": 1e400})"),
      with(R"({"sink": "udp"})", R"({"tiny": 1e-400})"),
      with(R"({"sink": "udp"})", R"({"a": 1, "a": 2})"),
      with(R"({"sink": "udp"})", R"({"a": 1, "\u0061": 2})"),
      with(R"({"sink": "udp"})", R"({"lone": "\ud800"})"),
      with(R"({"sink": "udp"})", R"({"bad": "\x"})"),
      with(R"({"sink": "udp"})", R"({"nan": NaN})"),
      with(R"({"sink": "udp"})", R"({"tru": tru})"),
      with(R"({"sink": "udp"})", R"({"nul": nul})"),
      with(R"({"sink": "udp"})", R"({"lead": 01})"),
      with(R"({"sink": "udp"})", R"({"comma": [1,]})"),
      with(R"({"sink": "udp"})", R"({"ctl": "a	b"})"),
      with(R"("priority": 3)", R"("priority": -0)"),
      with(R"("priority": 3)", R"("priority": 3.0)"),
      with(R"("priority": 3)", R"("priority": 4294967297)"),
      with(R"("priority": 3)", R"("priority": 18446744073709551615)"),
      with(R"("priority": 3)", R"("priority": -2147483649)"),
      with(R"("priority": 3)", R"("priority": "3")"),
      with(R"("major": 1)", R"("major": 1, "patch": [1, {"x": null}])"),
      with(R"("major": 1)", R"("major": 1, "major": 1)"),
      with(R"("minor": 0)", R"("minor": 0.5)"),
      with(R"("schema_version": "1.0")", R"("schema_version": "1")"),
      with(R"("schema_version": "1.0")", R"("schema_version": "1.9.9")"),
      with(R"("schema_version": "1.0")", R"("schema_version": 1.0)"),
      with(R"("package": "aiperf-datadog-plugin")", R"("package": "")"),
      with(R"("package": "aiperf-datadog-plugin")", R"("package": "p\u0000q")"),
      with(R"("libaiperf_datadog.so")", R"("./lib.so")"),
      with(R"("libaiperf_datadog.so")", R"("..")"),
      with(R"("libaiperf_datadog.so")", R"("...")"),
      with(R"("libaiperf_datadog.so")", R"("a//b/../c.so")"),
      with(R"("libaiperf_datadog.so")", R"("a/..")"),
      with(R"("Data-Dog": {)", R"("b": {"symbol": "b"}, "A": {"symbol": "a"}, "Data-Dog": {)"),
      with(R"("Data-Dog": {)", R"("bad:name": {"symbol": "b"}, "Data-Dog": {)"),
      with(R"("Data-Dog": {)", R"("": {"symbol": "b"}, "Data-Dog": {)"),
      with(R"("Data-Dog": {)", R"("nosym": {}, "Data-Dog": {)"),
      with(R"("Data-Dog": {)", R"("arr": [], "Data-Dog": {)"),
      with(R"("plugins": {)", R"("plugins": {"Timing-Strategy": {"z": {"symbol": "z"}}, )"
                              R"("zz": {"y": {"symbol": "y"}}, "Endpoint": {}, )"),
      with(R"("plugins": {)", R"("plugins": {"phase-hook": {"data_dog": {"symbol": "z"}}, )"),
      with(R"("plugins": {)", R"("plugins": {"x": 1, )"),
      with(R"("plugins": {)", R"("extra": {"a": [1, {"b": {"c": "d"}}]}, "plugins": {)"),
      with(R"("plugins": {)", R"("extra": {"a": 1, "a": 2}, "plugins": {)"),
      with(R"("plugins": {)", R"("version": "2", "plugins": {)"),
      std::string(kGood) + "  \n\t ",
      std::string(kGood) + " {}",
      std::string(kGood) + "}",
      std::string(kGood) + " x",
      std::string(kGood) + std::string(1, '\0'),
      "\xEF\xBB\xBF" + std::string(kGood),
      std::string(kGood).substr(0, kGood.size() - 1),
      "",
      " ",
      "[1, 2]",
      "\"text\"",
      "null",
      "{}",
      "{\"package\": \"x\"}",
      "{\"package\": 1}",
      std::string(200, '[') + std::string(200, ']'),
      "{\"package\": \"x\", \"extra\": " + std::string(100, '[') + std::string(100, ']') + "}",
      "{\"package\": \"\xff\"}",
  };
  for (const auto& text : cases) expect_same_as_reference(text);
}

TEST(ManifestFastPathTest, AgreesWithTheReferenceOnMutatedManifests) {
  // Deterministic random edits of valid manifests: deletions, insertions of JSON
  // punctuation, replacements, duplicated spans.
  const std::vector<std::string> seeds = {
      std::string(kGood),
      R"({"schema_version":"1.0","package":"p","version":"1","library":"l.so",)"
      R"("abi":{"major":1,"minor":0},"plugins":{"endpoint":{"e":{"symbol":"s",)"
      R"("metadata":{"k":[1,2.5,"x",true,null,{"n":-3}]}}},"phase_hook":{"a":{"symbol":"t"}}}})"};
  const std::string alphabet = "{}[]:,\"\\ \n0123456789-+.eEtrufalsn\x01\xc3\xa9";
  std::mt19937 rng(20261125);
  auto before = internal::manifest_parse_counts();
  std::uint64_t accepted = 0;
  for (const auto& seed : seeds) {
    for (int i = 0; i < 4000; ++i) {
      std::string text = seed;
      int edits = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < edits && !text.empty(); ++k) {
        std::size_t at = rng() % text.size();
        switch (rng() % 4) {
          case 0: text.erase(at, 1 + rng() % 3); break;
          case 1: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
          case 2: text[at] = alphabet[rng() % alphabet.size()]; break;
          case 3: {
            std::size_t len = 1 + rng() % 24;
            text.insert(rng() % text.size(), text.substr(at, len));
            break;
          }
        }
      }
      accepted += parse_manifest_reference(kPath, text).has_value();
      expect_same_as_reference(text);
      if (::testing::Test::HasFailure()) return;  // one reported text is enough
    }
  }
  // Both outcomes were exercised: valid mutations on the fast path, the rest not.
  auto after = internal::manifest_parse_counts();
  std::uint64_t fast = (after.total - before.total) - (after.reference - before.reference);
  EXPECT_EQ(fast, accepted);
  EXPECT_GT(accepted, 100u);
  EXPECT_LT(accepted, 8000u - 100u);
}

TEST(ManifestReadTest, ReadsFilesThatGrowOrShrinkWhileRead) {
  testing::TempDir dir;
  auto path = dir.path() / "x.json";
  std::string content(100000, 'x');
  testing::write_file(path, content);
  for (std::size_t expected : {std::size_t{0}, std::size_t{10}, std::size_t{99999},
                               std::size_t{100000}, std::size_t{100001}, std::size_t{300000}}) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    internal::PaddedText text;
    EXPECT_EQ(internal::read_all(fd, expected, true, text), 0);
    ::close(fd);
    EXPECT_EQ(text.view(), content) << "fstat said " << expected;
  }
  // A directory named like a manifest: the read fails with the reason.
  auto parsed = read_manifest(dir.path());
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kManifestUnreadable);
  EXPECT_NE(parsed.error().message.find("directory"), std::string::npos) << parsed.error().message;
}

TEST(ManifestReadTest, ManifestOverTheBoundIsRefusedAndReadAllStopsThere) {
  testing::TempDir dir;
  auto path = dir.path() / "big.aiperf-plugin.json";
  testing::write_file(path, std::string(kMaxManifestBytes + 1, ' '));
  auto parsed = read_manifest(path);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(parsed.error().file, path.string());
  // fstat may lie (a file that grows): the read itself stops at the bound.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  internal::PaddedText text;
  EXPECT_EQ(internal::read_all(fd, 10, true, text, kMaxManifestBytes), EFBIG);
  ::close(fd);
  EXPECT_LE(text.size(), kMaxManifestBytes + 1);
  testing::write_file(path, std::string(kMaxManifestBytes, ' '));  // exactly the bound: read
  EXPECT_EQ(read_manifest(path).error().code, ErrorCode::kMalformedJson);
}

TEST(ManifestReadTest, ReadManifestParsesTheFile) {
  testing::TempDir dir;
  auto path = dir.path() / "datadog.aiperf-plugin.json";
  testing::write_file(path, std::string(kGood));
  auto parsed = read_manifest(path);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->manifest.library, dir.path() / "libaiperf_datadog.so");
  EXPECT_EQ(parsed->manifest.entries.at(0).metadata["sink"], "udp");
}

}  // namespace
}  // namespace aiperf::plugin
