#include "mock_server/record.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace aiperf::mock_server {
namespace {

using nlohmann::json;

TEST(MockRecordTest, StatsTrackInFlightPeakStatusAndFault) {
  auto rec = Recorder::open("");
  ASSERT_TRUE(rec);
  Recorder& r = **rec;
  r.arrive();
  r.arrive();
  r.arrive();
  Record a;
  a.status = 200;
  r.finish(a);
  Record b;
  b.status = 500;
  b.fault = Fault::http_500;
  r.finish(b);
  json s = json::parse(r.stats_json());
  EXPECT_EQ(s["requests"], 3);
  EXPECT_EQ(s["completed"], 2);
  EXPECT_EQ(s["in_flight"], 1);
  EXPECT_EQ(s["peak_in_flight"], 3);
  EXPECT_EQ(s["by_status"]["200"], 1);
  EXPECT_EQ(s["by_status"]["500"], 1);
  EXPECT_EQ(s["by_fault"]["http_500"], 1);
  EXPECT_EQ(json::parse(r.records_json()).size(), 2u);
  r.reset();
  s = json::parse(r.stats_json());
  EXPECT_EQ(s["requests"], 0);
  EXPECT_EQ(s["peak_in_flight"], 1);
  EXPECT_TRUE(json::parse(r.records_json()).empty());
}

TEST(MockRecordTest, KeepsTheLatestRecordsInMemory) {
  auto rec = Recorder::open("", 2);
  ASSERT_TRUE(rec);
  for (int i = 0; i < 5; ++i) {
    Record r;
    r.request_id = std::to_string(i);
    (*rec)->arrive();
    (*rec)->finish(r);
  }
  const json records = json::parse((*rec)->records_json());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["request_id"], "3");
  const json stats = json::parse((*rec)->stats_json());
  EXPECT_EQ(stats["records_dropped"], 3);
  EXPECT_EQ(stats["completed"], 5);
}

TEST(MockRecordTest, AppendsOneJsonLinePerRequest) {
  const std::string path = ::testing::TempDir() + "/mock_record_test.jsonl";
  std::remove(path.c_str());
  {
    auto rec = Recorder::open(path);
    ASSERT_TRUE(rec);
    Record r;
    r.request_id = "abc";
    r.status = 200;
    r.completion_tokens = 3;
    r.first_token_ms = 1.5;
    (*rec)->arrive();
    (*rec)->finish(r);
    (*rec)->arrive();
    (*rec)->finish(r);
  }
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    const json j = json::parse(line);
    EXPECT_EQ(j["request_id"], "abc");
    EXPECT_EQ(j["completion_tokens"], 3);
    EXPECT_EQ(j["first_token_ms"], 1.5);
    EXPECT_TRUE(j["last_token_ms"].is_null());
    EXPECT_EQ(j["fault"], "none");
    ++n;
  }
  EXPECT_EQ(n, 2);
  EXPECT_FALSE(Recorder::open("/nonexistent-dir/x.jsonl"));
}

}  // namespace
}  // namespace aiperf::mock_server
