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

// A body the endpoint vouches for (JsonBodyEndpoint) is copied without the per-request check; any
// other body is checked and quoted when it is not JSON.
TEST(InputsExportTest, AKnownJsonBodyIsCopiedUncheckedAndOnlyAnUnknownOneIsChecked) {
  testing::TempDir dir;
  auto path = dir.path() / "inputs.json";
  {
    InputsExport inputs(path);
    inputs.add("run-0", "[1, 2", /*known_json=*/true);
    inputs.add("run-1", "[1, 2", /*known_json=*/false);
    inputs.commit();
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find(R"("session_id": "run-0", "payloads": [[1, 2])"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(R"("session_id": "run-1", "payloads": ["[1, 2"])"), std::string::npos) << text.str();
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

// Byte for byte what the record-at-a-time writer with nlohmann's dump() wrote, across many
// write blocks and with ids that need escapes.
TEST(InputsExportTest, ManyRecordsAreTheSameBytesAsNlohmannWrites) {
  testing::TempDir dir;
  auto path = dir.path() / "inputs.json";
  std::string want = "{\"data\": [\n";
  {
    InputsExport inputs(path);
    for (int i = 0; i < 3000; ++i) {
      const std::string id = "run-" + std::to_string(i) + (i % 3 ? "" : "-\"q\"\\\n\x01\x7f\xc3\xa9");
      const std::string body = R"({"model":"m","prompt":")" + std::string(static_cast<std::size_t>(i % 50), 'x') + "\"}";
      inputs.add(id, body);
      want += (i ? ",\n" : "") + std::string("{\"session_id\": ") + nlohmann::json(id).dump() + ", \"payloads\": [" + body + "]}";
    }
    inputs.commit();
  }
  want += "\n]}\n";
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_GT(want.size(), 128u * 1024) << "spans several write blocks";
  EXPECT_EQ(text.str(), want);
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
