#include "export/inputs_export.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"

namespace aiperf::exporting {
namespace {

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

TEST(InputsExportTest, WritesEveryPayloadAsSentUnderItsSessionId) {
  testing::TempDir dir;
  auto path = dir.path() / "inputs.json";
  {
    InputsExport inputs(path);
    inputs.add("run-0", R"({"model":"m","messages":[{"role":"user","content":"a \"quoted\" prompt"}],"max_tokens":8})");
    inputs.add("run-1", "not json \xff");
    EXPECT_FALSE(std::filesystem::exists(path));  // only published at commit
    inputs.commit();
  }
  auto j = read_json(path);
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["session_id"], "run-0");
  EXPECT_EQ(j["data"][0]["payloads"][0]["messages"][0]["content"], "a \"quoted\" prompt");
  EXPECT_EQ(j["data"][0]["payloads"][0]["max_tokens"], 8);
  EXPECT_TRUE(j["data"][1]["payloads"][0].is_string());
}

TEST(InputsExportTest, AnEmptyRunIsAnEmptyList) {
  testing::TempDir dir;
  auto path = dir.path() / "inputs.json";
  {
    InputsExport inputs(path);
    inputs.commit();
  }
  EXPECT_TRUE(read_json(path)["data"].empty());
}

TEST(InputsExportTest, AnUncommittedExportLeavesNoFile) {
  testing::TempDir dir;
  auto path = dir.path() / "inputs.json";
  { InputsExport inputs(path); inputs.add("x", "{}"); }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
}

}  // namespace
}  // namespace aiperf::exporting
