#include "base/error.h"

#include <gtest/gtest.h>

namespace aiperf {
namespace {

TEST(ErrorTest, PluginErrorNamesImplementationPackageAndManifestThenCode) {
  Error e = make_error(ErrorCode::kAbiMismatch, "built for API 2, host has 1")
                .about("phase_hook:foo").in_package("aiperf-foo").in_file("/p/foo.aiperf-plugin.json");
  EXPECT_EQ(e.describe(), "phase_hook:foo (package aiperf-foo, /p/foo.aiperf-plugin.json): abi mismatch: "
                          "built for API 2, host has 1");
}

TEST(ErrorTest, InputErrorLeadsWithFileLineAndColumnAndOmitsTheCode) {
  Error e = make_error(ErrorCode::kInvalidArgument, "unknown key 'isll'").in_file("b.yaml", 3, 5);
  EXPECT_EQ(e.describe(), "b.yaml:3:5: unknown key 'isll'");
}

TEST(ErrorTest, SubjectWithoutFileIsAPrefix) {
  EXPECT_EQ(make_error(ErrorCode::kInvalidArgument, "must be at least 1").about("--isl").describe(),
            "--isl: must be at least 1");
  EXPECT_EQ(make_error(ErrorCode::kIo, "disk full").describe(), "disk full");
}

TEST(ErrorTest, SubjectAndFileBothShow) {
  Error e = make_error(ErrorCode::kMalformedInput, "bad record").about("--input-file").in_file("p.jsonl", 7);
  EXPECT_EQ(e.describe(), "--input-file (p.jsonl:7): bad record");
}

TEST(ErrorTest, FailWrapsForExpected) {
  auto f = []() -> Expected<int> { return fail(ErrorCode::kTooLarge, "too big"); };
  auto r = f();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(error_code_name(r.error().code), "too_large");
}

}  // namespace
}  // namespace aiperf
