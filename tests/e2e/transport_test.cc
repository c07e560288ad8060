// `aiperf profile` end to end for the transport options: several --url,
// --connection-reuse-strategy, --source-address, request cancellation,
// --max-response-bytes, the TLS handshake metric through nginx, and the
// receive-lag signal of a stalled client. The mock servers' own records
// (request counts, peer addresses, connections, client_closed) are the truth.
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"
#include "transport/testing/tls_peers.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;
using testing::profile;
namespace peers = aiperf::transport::testing;

int requests_seen(const MockServerProcess& server) {
  return testing::mock_json(server, "/mock/stats")["requests"].get<int>();
}

// The mock's records once it has finished `n` (bounded wait: a cancelled stream ends at its next write).
json records_of(const MockServerProcess& server, std::size_t n) {
  json records = json::array();
  for (int i = 0; i < 200; ++i) {
    records = testing::mock_json(server, "/mock/records");
    if (records.size() >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return records;
}

TEST(TransportE2ETest, TwoUrlsReceiveTheRoundRobinSplitWithAPerUrlBreakdown) {
  MockServerProcess a({"--fast"}), b({"--fast"});
  TempDir dir;
  auto run = profile(a, dir, "-u " + b.base_url() + " --request-count 10 --concurrency 2 --isl 5 --osl 4");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_EQ(requests_seen(a), 5);
  EXPECT_EQ(requests_seen(b), 5);
  const json& per_url = run.aggregate["per_url"];
  ASSERT_EQ(per_url.size(), 2u) << run.aggregate.dump();
  std::map<std::string, int> in_jsonl;
  for (const auto& r : run.records) ++in_jsonl[r["metadata"]["url"].get<std::string>()];
  for (const auto& [url, section] : per_url.items()) {
    EXPECT_EQ(section["request_count"]["avg"], 5) << url;
    EXPECT_EQ(in_jsonl[url], 5) << url;
    EXPECT_TRUE(section.contains("request_latency")) << url;
  }
}

TEST(TransportE2ETest, RandomUrlStrategyFollowsTheSeed) {
  MockServerProcess a({"--fast"}), b({"--fast"});
  TempDir dir;
  auto run = profile(a, dir, "-u " + b.base_url() + " --url-strategy random --random-seed 3 --request-count 40 --isl 5 --osl 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const int to_a = requests_seen(a), to_b = requests_seen(b);
  EXPECT_EQ(to_a + to_b, 40);
  EXPECT_GT(to_a, 5);
  EXPECT_GT(to_b, 5);
  EXPECT_EQ(run.aggregate["per_url"][a.base_url()]["request_count"]["avg"], to_a) << run.aggregate["per_url"].dump();
}

TEST(TransportE2ETest, AUrlOfAnotherSchemeIsRefusedBeforeAnyRequest) {
  MockServerProcess a({"--fast"});
  TempDir dir;
  auto run = profile(a, dir, "-u https://127.0.0.1:1 --request-count 1");
  EXPECT_EQ(run.result.exit_code, 2);
  EXPECT_NE(run.result.err.find("same scheme"), std::string::npos) << run.result.err;
  EXPECT_EQ(requests_seen(a), 0);
}

TEST(TransportE2ETest, NeverReuseAndSourceAddressesAsTheServerSeesThem) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--connection-reuse-strategy never --source-address 127.0.0.2-127.0.0.4 "
                     "--request-count 6 --isl 5 --osl 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  std::set<int> connections;
  std::map<std::string, int> by_address;
  for (const auto& r : records_of(server, 6)) {
    connections.insert(r["connection"].get<int>());
    const std::string peer = r["peer"];
    ++by_address[peer.substr(0, peer.rfind(':'))];
  }
  EXPECT_EQ(connections.size(), 6u) << "never: one connection per request";
  EXPECT_EQ(by_address, (std::map<std::string, int>{{"127.0.0.2", 2}, {"127.0.0.3", 2}, {"127.0.0.4", 2}}));
  EXPECT_EQ(run.aggregate["transport"]["new_connections"], 6);
}

TEST(TransportE2ETest, BadTransportOptionsExitTwoWithOneLineEach) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--request-count 1 --connection-reuse-strategy sometimes --url-strategy first "
                     "--source-address 10.0.0.9-10.0.0.1 --request-cancellation-rate 150");
  EXPECT_EQ(run.result.exit_code, 2);
  for (const char* flag : {"--connection-reuse-strategy", "--url-strategy", "--source-address", "--request-cancellation-rate"}) {
    EXPECT_NE(run.result.err.find(flag), std::string::npos) << flag << "\n" << run.result.err;
  }
  EXPECT_EQ(requests_seen(server), 0);
}

// 10% of 1000 requests, cancelled 50 ms after sending, before their first token (at 100 ms).
TEST(TransportE2ETest, CancellationRateAndDelayAreHonouredAndCountedApart) {
  MockServerProcess server({"--ttft", "100", "--itl", "5"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--streaming --request-count 1000 --concurrency 100 --isl 5 --osl 8 "
                     "--request-cancellation-rate 10 --request-cancellation-delay 0.05 --random-seed 11");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const int cancelled = run.aggregate["planned_cancellation_count"]["avg"].get<int>();
  EXPECT_NEAR(cancelled, 100, 10) << "within 1% of the 1000 requests";
  EXPECT_EQ(run.aggregate["request_count"]["avg"].get<int>() + cancelled, 1000);
  EXPECT_EQ(run.aggregate["error_request_count"]["avg"], 0) << "cancellations are not failures";
  EXPECT_EQ(run.aggregate["time_to_first_token"]["count"].get<int>(), 1000 - cancelled) << "nor in latency metrics";
  int marked = 0;
  std::vector<double> delays;
  for (const auto& r : run.records) {
    if (!r["metadata"]["was_cancelled"].get<bool>()) continue;
    ++marked;
    const double delay_ms = (r["metadata"]["request_end_ns"].get<double>() - r["metadata"]["request_start_ns"].get<double>()) / 1e6;
    delays.push_back(delay_ms);
    EXPECT_GE(delay_ms, 49.0);
    EXPECT_LT(delay_ms, 1000.0);  // generous: a loaded 2-core machine
    EXPECT_FALSE(r["metrics"].contains("time_to_first_token"));
  }
  EXPECT_EQ(marked, cancelled);
  std::sort(delays.begin(), delays.end());
  if (!delays.empty()) {
    std::printf("[measured] %d of 1000 cancelled; delay after send p50 %.2f ms, max %.2f ms (asked 50)\n", cancelled,
                delays[delays.size() / 2], delays.back());
  }
  std::set<std::string> cancelled_ids;
  for (const auto& r : run.records) {
    if (r["metadata"]["was_cancelled"].get<bool>()) cancelled_ids.insert(r["metadata"]["x_request_id"].get<std::string>());
  }
  const json mock_records = records_of(server, 1000);
  int closed = 0;
  std::string unseen;  // cancelled requests the mock did not see closed: what it recorded of them
  for (const auto& r : mock_records) {
    closed += r["client_closed"].get<bool>() ? 1 : 0;
    if (!r["client_closed"].get<bool>() && cancelled_ids.count(r.value("request_id", std::string()))) {
      unseen += "\n" + r.dump();
    }
  }
  EXPECT_EQ(closed, cancelled) << "the mock saw the client close each cancelled request; it has "
                               << mock_records.size() << " records" << unseen;
}

TEST(TransportE2ETest, MaxResponseBytesFailsEachOversizedResponse) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = profile(server, dir, "--streaming --request-count 3 --isl 5 --osl 2000 --max-response-bytes 4096 --max-error-rate 1");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_EQ(run.aggregate["error_request_count"]["avg"], 3);
  ASSERT_EQ(run.records.size(), 3u);
  for (const auto& r : run.records) {
    ASSERT_FALSE(r["error"].is_null());
    EXPECT_NE(r["error"]["message"].get<std::string>().find("--max-response-bytes"), std::string::npos) << r.dump();
  }
}

// aiperf against nginx's TLS in front of `mock`, trusting the test CA (--ssl-ca-file); nginx
// and the certificates live for this run only.
testing::ProfileRun profile_through_tls(const MockServerProcess& mock, const TempDir& dir, const std::string& args,
                                        int* nginx_port = nullptr) {
  peers::TempDir certs_dir;
  const auto certs = peers::make_test_certs(certs_dir.path());
  const int port = peers::free_port();
  if (nginx_port != nullptr) *nginx_port = port;
  peers::NginxProcess nginx(certs_dir.path(), port, peers::NginxProcess::tls_proxy(port, certs, mock.port()));
  return testing::read_run(
      dir, testing::run_aiperf("profile -m mock -u https://localhost:" + std::to_string(port) + " --ssl-ca-file '" +
                               certs.server_cert + "' --ui none --artifact-dir '" + dir.path().string() + "' " + args));
}

TEST(TransportE2ETest, TlsHandshakeTimeIsExportedWhenRequestsUsedTls) {
  if (!peers::NginxProcess::available()) GTEST_SKIP() << "nginx is not installed (scripts/install-deps.sh)";
  MockServerProcess mock({"--fast"});
  TempDir dir;
  auto run = profile_through_tls(mock, dir, "--connection-reuse-strategy never --request-count 5 --isl 5 --osl 2");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const json& tls = run.aggregate["tls_handshake_time"];
  ASSERT_TRUE(tls.is_object()) << run.aggregate.dump();
  EXPECT_EQ(tls["count"], 5) << "never: every request opened a TLS connection";
  EXPECT_GT(tls["min"].get<double>(), 0);
  EXPECT_EQ(tls["unit"], "ms");
  EXPECT_EQ(run.aggregate["transport"]["tls_requests"], 5);
  for (const auto& r : run.records) EXPECT_TRUE(r["metrics"].contains("tls_handshake_time")) << r.dump();
  EXPECT_NE(run.result.out.find("TLS Handshake Time (ms)"), std::string::npos) << run.result.out;
  EXPECT_NE(testing::slurp(dir.path() / "profile_export_aiperf.csv").find("TLS Handshake Time (ms),"), std::string::npos);

  TempDir plain_dir;
  auto plain = profile(mock, plain_dir, "--request-count 2 --isl 5 --osl 2");
  ASSERT_EQ(plain.result.exit_code, 0) << plain.result.err;
  EXPECT_FALSE(plain.aggregate.contains("tls_handshake_time")) << "plain HTTP: no handshake metric";
  EXPECT_EQ(plain.result.out.find("TLS Handshake"), std::string::npos);
}

// The default server_metrics scrape of an https:// --url trusts what the requests trust (--ssl-ca-file):
// without it the system store would refuse the test CA and every scrape would fail.
TEST(TransportE2ETest, ServerMetricsScrapesOfAnHttpsUrlUseTheRunsCaFile) {
  if (!peers::NginxProcess::available()) GTEST_SKIP() << "nginx is not installed (scripts/install-deps.sh)";
  MockServerProcess mock({"--fast"});
  TempDir dir;
  int port = 0;
  auto run = profile_through_tls(mock, dir, "--request-count 5 --isl 5 --osl 2", &port);
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const json sm = json::parse(testing::slurp(dir.path() / "server_metrics.json"), nullptr, false);
  ASSERT_TRUE(sm.is_object()) << run.result.err;
  EXPECT_EQ(sm["failed_scrapes"], 0) << sm["warnings"].dump();
  EXPECT_GE(sm["scrapes"].get<int>(), 2);
  EXPECT_EQ(sm["endpoints"][0], "https://localhost:" + std::to_string(port) + "/metrics");
}

// A client stopped for 150 ms (SIGSTOP) mid-stream gets the tokens that arrived meanwhile in one read
// per stream: the receive-lag signal counts those reads in the export and warns. (The read's lateness
// stays small: its kernel stamp is that of the newest segment, which came just before the resume.)
TEST(TransportE2ETest, AStalledClientShowsInTheReceiveLagSignalAndIsWarnedAbout) {
  MockServerProcess server({"--ttft", "20", "--itl", "10"});
  TempDir dir;
  testing::BackgroundCommand aiperf(testing::aiperf_command(
      testing::profile_args(server, dir) + "--streaming --request-count 4 --concurrency 4 --isl 5 --osl 60"));
  for (int i = 0; i < 400 && testing::mock_json(server, "/mock/stats")["in_flight"].get<int>() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(60));  // every stream has started sending tokens
  aiperf.signal(SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  aiperf.signal(SIGCONT);
  auto run = testing::read_run(dir, aiperf.wait(60'000));
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  const json& lag = run.aggregate["transport"]["receive_lag"];
  EXPECT_GE(lag["multi_event_reads"].get<int>(), 4) << lag.dump();
  EXPECT_GT(lag["multi_event_read_share"].get<double>(), 0.01) << lag.dump();
  EXPECT_TRUE(lag.contains("warning")) << lag.dump();
  EXPECT_NE(run.result.err.find("receive lag"), std::string::npos) << run.result.err;
}

}  // namespace
}  // namespace aiperf
