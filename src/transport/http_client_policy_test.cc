// Connection policies and bounds of the client against the real mock server
// (and a raw socket server where the server must misbehave): several origins,
// pooled / never / sticky sessions, source addresses, planned cancellation,
// the response-size bound, the stale keep-alive retry and EMFILE on connect.
// The mock's record (peer, connection, client_closed) is the truth checked.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_server/testing/http_client.h"
#include "transport/testing/client_runner.h"

namespace aiperf::transport {
namespace {

using namespace aiperf::transport::testing;
using nlohmann::json;

ClientOptions plain(int port) {
  ClientOptions o;
  o.port = static_cast<uint16_t>(port);
  o.connect_timeout = 5s;
  o.request_timeout = 10s;
  return o;
}

HttpRequest tagged(const std::string& id, uint64_t session = 0) {
  HttpRequest r = chat(2, false, {{"X-Request-Id", id}});
  r.session_key = session;
  return r;
}

// The mock's records by request id, once it has finished `n` of them (bounded wait).
std::map<std::string, json> records_by_id(const MockServerProcess& mock, std::size_t n) {
  json records = json::array();
  for (int i = 0; i < 200; ++i) {
    records = json::parse(aiperf::testing::http_get(mock.port(), "/mock/records").body);
    if (records.size() >= n) break;
    std::this_thread::sleep_for(25ms);
  }
  std::map<std::string, json> out;
  for (const auto& r : records) out[r["request_id"].get<std::string>()] = r;
  return out;
}

std::string address_of(const json& record) {
  const std::string peer = record["peer"];
  return peer.substr(0, peer.rfind(':'));
}

// Submits every request at once on one client; results in submission order (20 s watchdog).
std::vector<Result> run_together(HttpClient& client, const std::vector<HttpRequest>& requests) {
  std::vector<Result> results(requests.size());
  std::size_t left = requests.size();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    client.submit(HttpRequest(requests[i]), std::make_unique<Collect>(results[i], [&] {
                    if (--left == 0) client.stop();
                  }));
  }
  client.run_at(now_ns() + 20'000'000'000, [&] { client.cancel_all(); });
  client.run();
  return results;
}

TEST(ConnectionPolicyTest, NeverOpensOneConnectionPerRequest) {
  MockServerProcess mock({"--fast"});
  ClientOptions o = plain(mock.port());
  o.reuse = ConnectionReuse::kNever;
  const auto results = run_sequential(o, {tagged("n0"), tagged("n1"), tagged("n2"), tagged("n3")});
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.describe();
  std::set<int> connections;
  for (const auto& [id, rec] : records_by_id(mock, 4)) connections.insert(rec["connection"].get<int>());
  EXPECT_EQ(connections.size(), 4u) << "the mock saw every request on its own connection";

  MockServerProcess pooled_mock({"--fast"});
  const auto pooled = run_sequential(plain(pooled_mock.port()), {tagged("p0"), tagged("p1"), tagged("p2")});
  std::set<int> reused;
  for (const auto& [id, rec] : records_by_id(pooled_mock, 3)) reused.insert(rec["connection"].get<int>());
  EXPECT_EQ(reused.size(), 1u) << "pooled: sequential requests share one keep-alive connection";
}

TEST(ConnectionPolicyTest, StickySessionsUseOneConnectionPerKeyOneRequestAtATime) {
  MockServerProcess mock({"--ttft", "20"});
  ClientOptions o = plain(mock.port());
  o.reuse = ConnectionReuse::kStickySessions;
  o.max_connections = 8;
  HttpClient client(o);
  std::vector<HttpRequest> requests;
  for (int turn = 0; turn < 3; ++turn) {
    for (uint64_t key : {1, 2}) requests.push_back(tagged("s" + std::to_string(key) + "-" + std::to_string(turn), key));
  }
  const auto results = run_together(client, requests);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.describe();
  const auto records = records_by_id(mock, requests.size());
  std::map<uint64_t, std::set<int>> connections;
  for (const auto& r : requests) {
    const std::string id = r.headers.back().second;
    connections[r.session_key].insert(records.at(id)["connection"].get<int>());
  }
  EXPECT_EQ(connections[1].size(), 1u);
  EXPECT_EQ(connections[2].size(), 1u);
  EXPECT_NE(*connections[1].begin(), *connections[2].begin());
  // One at a time: each turn of a session arrives only after the previous one's response, which
  // the mock writes 20 ms (--ttft) after that request's arrival (mock's clock; arrivals are kernel
  // stamps, so a next request may arrive before the mock has stamped the end of the previous one).
  for (const char* key : {"s1-", "s2-"}) {
    for (int turn = 1; turn < 3; ++turn) {
      const json& prev = records.at(key + std::to_string(turn - 1));
      const json& next = records.at(key + std::to_string(turn));
      EXPECT_GE(next["arrival_unix_ms"].get<double>() + 0.5, prev["arrival_unix_ms"].get<double>() + 20.0)
          << key << turn;
    }
  }
}

TEST(ConnectionPolicyTest, EndSessionClosesItsConnection) {
  MockServerProcess mock({"--fast"});
  ClientOptions o = plain(mock.port());
  o.reuse = ConnectionReuse::kStickySessions;
  HttpClient client(o);
  std::vector<Result> results(2);
  client.submit(tagged("e0", 7), std::make_unique<Collect>(results[0], [&] {
                  client.end_session(7);
                  client.submit(tagged("e1", 7), std::make_unique<Collect>(results[1], [&] { client.stop(); }));
                }));
  client.run_at(now_ns() + 20'000'000'000, [&] { client.cancel_all(); });
  client.run();
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.describe();
  const auto records = records_by_id(mock, 2);
  EXPECT_NE(records.at("e0")["connection"], records.at("e1")["connection"]) << "a new conversation, a new connection";
  EXPECT_EQ(client.stats().connections_opened, 2u);
}

TEST(ConnectionPolicyTest, SourceAddressesAreBoundRoundRobin) {
  MockServerProcess mock({"--fast"});
  ClientOptions o = plain(mock.port());
  o.reuse = ConnectionReuse::kNever;
  o.source_addresses = {"127.0.0.2", "127.0.0.3"};
  const auto results = run_sequential(o, {tagged("a0"), tagged("a1"), tagged("a2"), tagged("a3")});
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.describe();
  const auto records = records_by_id(mock, 4);
  EXPECT_EQ(address_of(records.at("a0")), "127.0.0.2");
  EXPECT_EQ(address_of(records.at("a1")), "127.0.0.3");
  EXPECT_EQ(address_of(records.at("a2")), "127.0.0.2");
  EXPECT_EQ(address_of(records.at("a3")), "127.0.0.3");
}

// One turn over the addresses for all servers would bind requests 0, 2, ... (server a) to the first
// address and 1, 3, ... (server b) to the second: two of the four pairs, each with twice the ports.
TEST(ConnectionPolicyTest, EachServerTakesTheSourceAddressesInTurn) {
  MockServerProcess a({"--fast"}), b({"--fast"});
  ClientOptions o = plain(a.port());
  o.more_origins = {{"127.0.0.1", static_cast<uint16_t>(b.port())}};
  o.reuse = ConnectionReuse::kNever;
  o.source_addresses = {"127.0.0.2", "127.0.0.3"};
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 8; ++i) {
    requests.push_back(tagged("s" + std::to_string(i)));
    requests.back().origin = i % 2;
  }
  const auto results = run_sequential(o, requests);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.describe();
  for (const MockServerProcess* mock : {&a, &b}) {
    std::map<std::string, int> per_address;
    for (const auto& [id, record] : records_by_id(*mock, 4)) ++per_address[address_of(record)];
    EXPECT_EQ(per_address, (std::map<std::string, int>{{"127.0.0.2", 2}, {"127.0.0.3", 2}}));
  }
}

// Linux's bind() picks odd local ports and its connect() even ones: a port taken at connect was
// chosen for the whole 4-tuple, so one port can serve several servers from one source address.
TEST(ConnectionPolicyTest, ASourceBoundConnectionTakesItsLocalPortAtConnectNotAtBind) {
  MockServerProcess mock({"--fast"});
  ClientOptions o = plain(mock.port());
  o.reuse = ConnectionReuse::kNever;
  o.source_addresses = {"127.0.0.2"};
  const auto results = run_sequential(o, {tagged("p0"), tagged("p1"), tagged("p2"), tagged("p3")});
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.describe();
  for (const auto& [id, record] : records_by_id(mock, 4)) {
    const std::string peer = record["peer"];
    const int port = std::stoi(peer.substr(peer.rfind(':') + 1));
    EXPECT_EQ(port % 2, 0) << id << " came from " << peer << ": a port bind() chose";
  }
}

TEST(ConnectionPolicyTest, AnInvalidSourceAddressIsASetupError) {
  ClientOptions o = plain(1);
  o.source_addresses = {"not-an-address"};
  HttpClient client(o);
  ASSERT_TRUE(client.setup_error());
  EXPECT_NE(client.setup_error()->message.find("invalid source address"), std::string::npos);
}

TEST(ConnectionPolicyTest, RequestsGoToTheOriginTheyName) {
  MockServerProcess a({"--fast"}), b({"--fast"});
  ClientOptions o = plain(a.port());
  o.more_origins = {{"127.0.0.1", static_cast<uint16_t>(b.port())}};
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 6; ++i) {
    requests.push_back(tagged("o" + std::to_string(i)));
    requests.back().origin = i % 3 == 0 ? 0 : 1;  // 2 to a, 4 to b
  }
  const auto results = run_sequential(o, requests);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(records_by_id(a, 2).size(), 2u);
  EXPECT_EQ(records_by_id(b, 4).size(), 4u);
}

TEST(RequestBoundsTest, PlannedCancellationClosesTheConnectionAtTheDelay) {
  // Tokens from 100 ms on, 20 ms apart: the mock's writes after the client closed fail (client_closed).
  MockServerProcess mock({"--ttft", "100", "--itl", "20"});
  HttpRequest r = chat(20, true, {{"X-Request-Id", "c0"}});
  r.cancel_after = 50ms;
  ClientOptions o = plain(mock.port());
  HttpClient client(o);
  Result result;
  int64_t done_ns = 0;
  client.submit(std::move(r), std::make_unique<Collect>(result, [&] {
                  done_ns = now_ns();
                  client.stop();
                }));
  client.run_at(now_ns() + 20'000'000'000, [&] { client.cancel_all(); });
  client.run();
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->kind, TransportErrorKind::kCancelled);
  EXPECT_NE(result.error->message.find("cancelled by the client 50 ms after it was sent"), std::string::npos)
      << result.error->message;
  const double delay_ms = ms(done_ns - result.sent_ns);
  EXPECT_GE(delay_ms, 50.0);
  EXPECT_LT(delay_ms, 1000.0);  // generous: a shared machine
  EXPECT_EQ(client.stats().planned_cancellations, 1u);
  EXPECT_TRUE(records_by_id(mock, 1).at("c0")["client_closed"].get<bool>()) << "the mock saw the client close";
}

TEST(RequestBoundsTest, MaxResponseBytesFailsTheRequestAndClosesTheConnection) {
  MockServerProcess mock({"--fast"});
  ClientOptions o = plain(mock.port());
  o.max_response_bytes = 2048;
  const auto results = run_sequential(o, {chat(500, true, {{"X-Request-Id", "big"}}), chat(2, false)});
  ASSERT_TRUE(results[0].error);
  EXPECT_EQ(results[0].error->kind, TransportErrorKind::kProtocol);
  EXPECT_NE(results[0].error->message.find("larger than the bound of 2048 bytes (--max-response-bytes)"),
            std::string::npos)
      << results[0].error->message;
  EXPECT_LE(results[0].body.size(), 2048u);
  EXPECT_TRUE(results[1].ok()) << "a small response after it is fine: " << results[1].describe();
  EXPECT_TRUE(results[1].transport.new_connection) << "the bounded response's connection was closed";
}

// Answers the first request of its first connection with keep-alive, then closes that connection when
// the second request arrives (without a byte of response); every later connection is answered.
class ClosingKeepAliveServer {
 public:
  ClosingKeepAliveServer() {
    fd_ = listen_on_loopback(port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~ClosingKeepAliveServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  static bool read_request(int c) {
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<std::size_t>(n));
    }
    return true;  // GET requests: no body
  }
  void serve() {
    static constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";
    for (;;) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      const bool first = accepted_++ == 0;
      while (read_request(c)) {
        if (first && answered_first_) break;  // the stale case: closed with the request unanswered
        (void)::send(c, kOk.data(), kOk.size(), MSG_NOSIGNAL);
        answered_first_ = true;
      }
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  bool answered_first_ = false;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

TEST(RequestBoundsTest, AStaleKeepAliveConnectionIsRetriedOnceOnANewOne) {
  ClosingKeepAliveServer server;
  HttpClient client(plain(server.port()));
  std::vector<Result> results(2);
  client.submit(get_root(), std::make_unique<Collect>(results[0], [&] {
                  client.submit(get_root(), std::make_unique<Collect>(results[1], [&] { client.stop(); }));
                }));
  client.run_at(now_ns() + 20'000'000'000, [&] { client.cancel_all(); });
  client.run();
  ASSERT_TRUE(results[0].ok()) << results[0].describe();
  ASSERT_TRUE(results[1].ok()) << "the retry succeeds: " << results[1].describe();
  EXPECT_TRUE(results[1].transport.retried);
  EXPECT_FALSE(results[0].transport.retried);
  EXPECT_EQ(client.stats().retries, 1u);
  EXPECT_EQ(server.accepted(), 2);
}

TEST(RequestBoundsTest, RetryingCanBeTurnedOff) {
  ClosingKeepAliveServer server;
  ClientOptions o = plain(server.port());
  o.retry_stale_connections = false;
  const auto results = run_sequential(o, {get_root(), get_root()});
  ASSERT_TRUE(results[0].ok()) << results[0].describe();
  ASSERT_TRUE(results[1].error) << "without the retry the stale connection fails the request";
  EXPECT_EQ(results[1].error->kind, TransportErrorKind::kIo);
}

// Runs in a child (death-test style): the descriptor limit is lowered for good there. A first request
// (refused) brings up the loop's own descriptors; then every descriptor is taken and a second one sent.
void connect_without_descriptors(int port) {
  HttpClient client(plain(port));
  Result first, second;
  int64_t start = 0;
  client.submit(get_root(), std::make_unique<Collect>(first, [&] {
                  rlimit rl{64, 64};
                  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(3);
                  while (::dup(0) >= 0) {
                  }
                  start = now_ns();
                  client.submit(get_root(), std::make_unique<Collect>(second, [&] { client.stop(); }));
                }));
  client.run();
  const bool named = second.error && second.error->message == "connect: too many open files (RLIMIT_NOFILE 64)";
  const bool at_once = now_ns() - start < 1'000'000'000;
  std::fprintf(stderr, "%s\n", second.error ? second.error->message.c_str() : "no error");
  _exit(named && at_once ? 0 : 1);
}

TEST(RequestBoundsTest, OutOfDescriptorsFailsAtOnceNamingTheLimit) {
  // The socket cannot even be created, so no server is needed (port 1 would refuse anyway).
  EXPECT_EXIT(connect_without_descriptors(1), ::testing::ExitedWithCode(0),
              "connect: too many open files \\(RLIMIT_NOFILE 64\\)");
}

}  // namespace
}  // namespace aiperf::transport
