// Per-request server timing end to end: `aiperf profile` against the mock with
// --server-timing, whose records say what it measured and sent for each
// request (by X-Request-Id); aiperf's JSONL must carry exactly that, and its
// TTFT must split into the server's queue + prefill and a non-negative rest.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;
using testing::profile;

// The mock's reported timing per request id.
std::map<std::string, json> sent_timing(const MockServerProcess& server) {
  std::map<std::string, json> out;
  for (const auto& r : testing::mock_json(server, "/mock/records")) {
    if (!r["server_timing"].is_null()) out[r["request_id"].get<std::string>()] = r;
  }
  return out;
}

double value(const json& record, const char* tag) { return record["metrics"][tag]["value"].get<double>(); }

json read_json(const TempDir& dir, const std::string& file) {
  return json::parse(testing::slurp(dir.path() / file), nullptr, false);
}

TEST(ServerTimingE2ETest, StreamedRecordsCarryTheTimingTheMockMeasuredAndSent) {
  MockServerProcess server({"--ttft", "30", "--itl", "3", "--server-timing"});
  TempDir dir;
  auto run = profile(server, dir, "--streaming --concurrency 4 --request-count 24 --isl 16 --osl 10");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  auto truth = sent_timing(server);
  ASSERT_EQ(run.records.size(), 24u);
  for (const auto& r : run.records) {
    const std::string id = r["metadata"]["x_request_id"];
    ASSERT_TRUE(truth.count(id)) << "the mock sent no timing for " << id;
    const json& sent = truth[id]["server_timing"];
    EXPECT_DOUBLE_EQ(value(r, "server_queue_time"), sent["queue_ms"].get<double>()) << id;
    EXPECT_DOUBLE_EQ(value(r, "server_prefill_time"), sent["prefill_ms"].get<double>()) << id;
    EXPECT_DOUBLE_EQ(value(r, "server_decode_time"), sent["decode_ms"].get<double>()) << id;
    // Against the mock's own record: the first token is written no earlier than its 30 ms TTFT and
    // the last no earlier than 30 + 9 * 3 ms after arrival (absolute deadlines), and both are
    // measured before those writes complete (first_token_ms, last_token_ms). 0.002: rounding to us.
    const double to_first = sent["queue_ms"].get<double>() + sent["prefill_ms"].get<double>();
    const double to_last = to_first + sent["decode_ms"].get<double>();
    EXPECT_GE(to_first, 30.0 - 0.002) << id;
    EXPECT_LE(to_first, truth[id]["first_token_ms"].get<double>() + 0.002) << id;
    EXPECT_GE(to_last, 30.0 + 9 * 3.0 - 0.002) << id;
    EXPECT_LE(to_last, truth[id]["last_token_ms"].get<double>() + 0.002) << id;
    // The client saw the first token after the server wrote it: the rest is network + client.
    const double ttft = value(r, "time_to_first_token");
    const double overhead = value(r, "network_client_overhead");
    EXPECT_NEAR(overhead, ttft - sent["queue_ms"].get<double>() - sent["prefill_ms"].get<double>(), 1e-9) << id;
    EXPECT_GE(overhead, 0.0) << id;
    EXPECT_LT(overhead, ttft) << id;
  }
  const json summary = read_json(dir, "profile_export_aiperf.json");
  ASSERT_TRUE(summary.is_object());
  EXPECT_EQ(summary["server_prefill_time"]["count"].get<int64_t>(), 24);
  EXPECT_EQ(summary["network_client_overhead"]["unit"], "ms");
  EXPECT_FALSE(summary.contains("malformed_server_timing"));
  const std::string csv = testing::slurp(dir.path() / "profile_export_aiperf.csv");
  EXPECT_NE(csv.find("Server Queue Time"), std::string::npos);
  EXPECT_NE(csv.find("Network + Client Overhead"), std::string::npos);
}

TEST(ServerTimingE2ETest, NonStreamedResponsesCarryItInTheServerTimingHeader) {
  MockServerProcess server({"--ttft", "20", "--itl", "2", "--server-timing"});
  TempDir dir;
  auto run = profile(server, dir, "--concurrency 2 --request-count 8 --isl 16 --osl 6");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  auto truth = sent_timing(server);
  for (const auto& r : run.records) {
    const std::string id = r["metadata"]["x_request_id"];
    ASSERT_TRUE(truth.count(id)) << id;
    const json& sent = truth[id]["server_timing"];
    EXPECT_DOUBLE_EQ(value(r, "server_queue_time"), sent["queue_ms"].get<double>());
    EXPECT_DOUBLE_EQ(value(r, "server_prefill_time"), sent["prefill_ms"].get<double>());
    EXPECT_DOUBLE_EQ(value(r, "server_decode_time"), sent["decode_ms"].get<double>());
    EXPECT_FALSE(r["metrics"].contains("network_client_overhead"));  // no TTFT without streaming
  }
}

TEST(ServerTimingE2ETest, WithoutServerTimingRecordsHaveNoServerFields) {
  MockServerProcess server({"--ttft", "5", "--itl", "1"});
  TempDir dir;
  auto run = profile(server, dir, "--streaming --request-count 4 --isl 8 --osl 4");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  for (const auto& r : run.records) EXPECT_FALSE(r["metrics"].contains("server_queue_time"));
  EXPECT_FALSE(read_json(dir, "profile_export_aiperf.json").contains("server_queue_time"));
}

}  // namespace
}  // namespace aiperf
