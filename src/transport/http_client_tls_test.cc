// HTTPS, content decoding, HTTP/2 detection and kernel timestamps against real
// peers started by the tests on 127.0.0.1: nginx terminating TLS (self-signed
// certificate made with the openssl CLI) in front of aiperf-mock-server,
// `openssl s_server`, and raw sockets. Every run is bounded by a watchdog.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_server/testing/mock_server_process.h"
#include "transport/http_client.h"
#include "transport/sse_parser.h"
#include "transport/testing/tls_peers.h"

namespace aiperf::transport {
namespace {

using aiperf::testing::MockServerProcess;
using metrics::TimestampSource;
using nlohmann::json;
using namespace std::chrono_literals;
namespace peers = aiperf::transport::testing;

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

// What one request's handler saw.
struct Result {
  int status = 0;
  std::string body;
  std::string content_encoding_header;
  int64_t sent_ns = 0;
  std::vector<std::pair<int64_t, std::string>> tokens;  // SSE data (not [DONE]) and the ts of its last read
  std::vector<TimestampSource> sources;                 // per on_body call
  std::optional<TransportError> error;
  metrics::TransportRecord transport;
  bool sent = false;

  bool ok() const { return !error && status == 200; }
  std::string describe() const {
    return "status=" + std::to_string(status) +
           (error ? " error=" + std::string(transport_error_kind_name(error->kind)) + ": " + error->message : "");
  }
};

class Collect final : public ResponseHandler {
 public:
  Collect(Result& r, std::function<void()> done) : r_(r), done_(std::move(done)) {}
  void on_sent(int64_t ts) override {
    r_.sent = true;
    r_.sent_ns = ts;
    if (on_sent_hook) on_sent_hook();
  }
  void on_headers(int status, std::span<const HeaderField> headers, int64_t) override {
    r_.status = status;
    if (auto v = find_header(headers, "content-encoding")) r_.content_encoding_header = std::string(*v);
  }
  void on_stamped_body(std::string_view bytes, int64_t ts, TimestampSource source) override {
    r_.body.append(bytes);
    r_.sources.push_back(source);
    parser_.feed(bytes, [&](const SseEventView& ev) {
      if (ev.data != "[DONE]") r_.tokens.emplace_back(ts, std::string(ev.data));
    });
  }
  void on_transport(const metrics::TransportRecord& info) override { r_.transport = info; }
  void on_complete(std::optional<TransportError> error) override {
    r_.error = std::move(error);
    done_();
  }
  std::function<void()> on_sent_hook;

 private:
  Result& r_;
  std::function<void()> done_;
  SseParser parser_;
};

// Sends `requests` one after the other on one client (run on this thread); a 20 s watchdog cancels.
// `on_sent` runs on the loop thread inside on_sent of every request.
std::vector<Result> run_sequential(const ClientOptions& options, const std::vector<HttpRequest>& requests,
                                   std::function<void()> on_sent = {}) {
  HttpClient client(options);
  std::vector<Result> results(requests.size());
  std::function<void(std::size_t)> submit = [&](std::size_t i) {
    auto h = std::make_unique<Collect>(results[i], [&, i] {
      if (i + 1 < requests.size()) submit(i + 1);
      else client.stop();
    });
    h->on_sent_hook = on_sent;
    client.submit(requests[i], std::move(h));
  };
  submit(0);
  client.run_at(now_ns() + 20'000'000'000, [&] { client.cancel_all(); });
  client.run();
  return results;
}

Result run_one(const ClientOptions& options, const HttpRequest& request, std::function<void()> on_sent = {}) {
  return run_sequential(options, {request}, std::move(on_sent)).front();
}

HttpRequest chat(int max_tokens, bool stream, std::vector<std::pair<std::string, std::string>> extra = {}) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/v1/chat/completions";
  r.headers = {{"Content-Type", "application/json"}};
  for (auto& h : extra) r.headers.push_back(std::move(h));
  r.body = json{{"model", "mock-model"},
                {"messages", json::array({json{{"role", "user"}, {"content", "tell me a story please"}}})},
                {"max_tokens", max_tokens},
                {"stream", stream}}
               .dump();
  return r;
}

HttpRequest get_root() {
  HttpRequest r;
  r.target = "/";
  return r;
}

ClientOptions tls_options(int port, const std::string& ca_file) {
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = static_cast<uint16_t>(port);
  o.connect_timeout = 5s;
  o.request_timeout = 10s;
  o.tls.enabled = true;
  o.tls.ca_file = ca_file;
  o.tls.server_name = "localhost";  // the certificate names localhost, not 127.0.0.1
  if (std::getenv("TS_USER")) o.timestamp_source = TimestampSource::kUser;
  return o;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// One nginx (TLS in front of the mock) and the certificates, shared by the suite.
class HttpsNginxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!peers::NginxProcess::available()) return;
    dir_ = new peers::TempDir();
    certs_ = new peers::TestCerts(peers::make_test_certs(dir_->path()));
    mock_ = new MockServerProcess();
    const int port = peers::free_port();
    nginx_ = new peers::NginxProcess(dir_->path(), port, peers::NginxProcess::tls_proxy(port, *certs_, mock_->port()));
  }
  static void TearDownTestSuite() {
    delete nginx_;
    delete mock_;
    delete certs_;
    delete dir_;
    nginx_ = nullptr, mock_ = nullptr, certs_ = nullptr, dir_ = nullptr;
  }
  void SetUp() override {
    if (nginx_ == nullptr) GTEST_SKIP() << "nginx is not installed (scripts/install-deps.sh installs nginx-light)";
  }
  static ClientOptions options() { return tls_options(nginx_->port(), certs_->server_cert); }

  static peers::TempDir* dir_;
  static peers::TestCerts* certs_;
  static MockServerProcess* mock_;
  static peers::NginxProcess* nginx_;
};
peers::TempDir* HttpsNginxTest::dir_ = nullptr;
peers::TestCerts* HttpsNginxTest::certs_ = nullptr;
MockServerProcess* HttpsNginxTest::mock_ = nullptr;
peers::NginxProcess* HttpsNginxTest::nginx_ = nullptr;

TEST_F(HttpsNginxTest, SucceedsWithTheCaFileAndReportsTheHandshake) {
  const Result r = run_one(options(), chat(8, false));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(json::parse(r.body)["usage"]["completion_tokens"], 8);
  EXPECT_TRUE(r.transport.tls);
  EXPECT_TRUE(r.transport.new_connection);
  ASSERT_TRUE(r.transport.tls_handshake_ns.has_value());
  EXPECT_GT(*r.transport.tls_handshake_ns, 0);
  ASSERT_TRUE(r.transport.connect_ns.has_value());
  EXPECT_EQ(r.transport.tls_version, "TLSv1.3");
  std::printf("[measured] connect %.3f ms, TLS handshake %.3f ms\n", ms(*r.transport.connect_ns),
              ms(*r.transport.tls_handshake_ns));
}

TEST_F(HttpsNginxTest, RefusesTheSelfSignedCertificateWithoutTheCaFile) {
  ClientOptions o = options();
  o.tls.ca_file.clear();  // system store: does not know our certificate
  const Result r = run_one(o, chat(4, false));
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->kind, TransportErrorKind::kTls) << r.describe();
  EXPECT_TRUE(contains(r.error->message, "certificate verify failed: self-signed certificate")) << r.error->message;
  EXPECT_FALSE(r.sent) << "a TLS failure happens before the request counts as sent";
  EXPECT_EQ(to_error_kind(r.error->kind), metrics::ErrorKind::kTls);
}

TEST_F(HttpsNginxTest, RefusesACaFileThatDoesNotMatch) {
  ClientOptions o = options();
  o.tls.ca_file = certs_->other_cert;
  const Result r = run_one(o, chat(4, false));
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->kind, TransportErrorKind::kTls) << r.describe();
  EXPECT_TRUE(contains(r.error->message, "certificate verify failed")) << r.error->message;
}

TEST_F(HttpsNginxTest, RefusesAWrongHostName) {
  ClientOptions o = options();
  o.tls.server_name.clear();  // checks 127.0.0.1, which the certificate does not name
  Result r = run_one(o, chat(4, false));
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->kind, TransportErrorKind::kTls) << r.describe();
  EXPECT_TRUE(contains(r.error->message, "certificate verify failed")) << r.error->message;
  EXPECT_TRUE(contains(r.error->message, "mismatch")) << r.error->message;
  o.tls.server_name = "api.example.com";
  r = run_one(o, chat(4, false));
  ASSERT_TRUE(r.error.has_value());
  EXPECT_TRUE(contains(r.error->message, "hostname mismatch")) << r.error->message;
}

TEST_F(HttpsNginxTest, VerifyOffAcceptsAnyCertificate) {
  ClientOptions o = options();
  o.tls.ca_file.clear();
  o.tls.server_name.clear();
  o.tls.verify = false;
  const Result r = run_one(o, chat(4, false));
  EXPECT_TRUE(r.ok()) << r.describe();
}

TEST_F(HttpsNginxTest, KeepAliveReusesTheTlsConnectionAndReconnectsResumeTheSession) {
  std::vector<HttpRequest> requests{chat(2, false), chat(2, false)};
  HttpRequest closing = chat(2, false, {{"Connection", "close"}});
  requests.insert(requests.begin(), closing);  // 1st closes: the 2nd reconnects, the 3rd reuses
  const auto results = run_sequential(options(), requests);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_TRUE(results[0].transport.new_connection);
  EXPECT_FALSE(results[0].transport.tls_session_resumed);
  EXPECT_TRUE(results[1].transport.new_connection);
  EXPECT_TRUE(results[1].transport.tls_session_resumed) << "the reconnect offers the session ticket";
  EXPECT_FALSE(results[2].transport.new_connection);
  EXPECT_FALSE(results[2].transport.tls_handshake_ns.has_value()) << "a reused connection reports no handshake";
}

TEST_F(HttpsNginxTest, SendsAcceptEncodingIdentityByDefault) {
  const Result r = run_one(options(), chat(6, true));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.content_encoding_header, "");
  EXPECT_EQ(r.transport.content_encoding, "identity");
  EXPECT_EQ(r.tokens.size(), 6u);
}

TEST_F(HttpsNginxTest, DecodesAGzipStreamTokenByToken) {
  ClientOptions o = options();
  o.accept_encoding = "gzip";
  const Result r = run_one(o, chat(6, true, {{"X-Mock-TTFT-Ms", "30"}, {"X-Mock-ITL-Ms", "15"}}));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.content_encoding_header, "gzip");
  EXPECT_EQ(r.transport.content_encoding, "gzip");
  ASSERT_EQ(r.tokens.size(), 6u) << r.body.substr(0, 200);
  EXPECT_TRUE(contains(r.tokens.front().second, "chat.completion.chunk")) << r.tokens.front().second;
}

TEST_F(HttpsNginxTest, DecodesAGzipNonStreamingBody) {
  ClientOptions o = options();
  o.accept_encoding = "gzip";
  const Result r = run_one(o, chat(40, false));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.content_encoding_header, "gzip");
  EXPECT_EQ(json::parse(r.body)["usage"]["completion_tokens"], 40);
}

// Kernel-stamped TTFT and ITL through nginx TLS equal the mock's injected values (plus
// nginx's proxying, well under 1 ms on loopback), plain and gzip-compressed.
TEST_F(HttpsNginxTest, TtftAndItlThroughTlsMatchTheInjectedValues) {
  constexpr double kTtft = 40, kItl = 15;
  constexpr int kTokens = 8;
  for (const std::string encoding : {"identity", "gzip"}) {
    ClientOptions o = options();
    o.accept_encoding = encoding;
    const Result r = run_one(o, chat(kTokens, true, {{"X-Mock-TTFT-Ms", "40"}, {"X-Mock-ITL-Ms", "15"}}));
    ASSERT_TRUE(r.ok()) << r.describe();
    ASSERT_EQ(r.tokens.size(), static_cast<std::size_t>(kTokens));
    EXPECT_EQ(r.transport.content_encoding, encoding);
    const double ttft = ms(r.tokens.front().first - r.sent_ns);
    const double itl = ms(r.tokens.back().first - r.tokens.front().first) / (kTokens - 1);
    EXPECT_NEAR(ttft, kTtft, 1.0) << encoding;
    EXPECT_NEAR(itl, kItl, 1.0) << encoding;
    std::printf("[measured] %s over TLS: ttft %.3f ms (injected %.0f), mean itl %.3f ms (injected %.0f)\n",
                encoding.c_str(), ttft, kTtft, itl, kItl);
  }
}

// openssl s_server: a second, independent TLS implementation of the peer side.
class HttpsSServerTest : public ::testing::Test {
 protected:
  void SetUp() override { certs_ = peers::make_test_certs(dir_.path()); }
  peers::TempDir dir_;
  peers::TestCerts certs_;
};

TEST_F(HttpsSServerTest, SucceedsWithTheCaFileAndFailsWithout) {
  peers::SServerProcess server(dir_.path(), certs_, false);
  Result r = run_one(tls_options(server.port(), certs_.server_cert), get_root());
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_TRUE(contains(r.body, "s_server")) << r.body.substr(0, 200);
  r = run_one(tls_options(server.port(), ""), get_root());
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->kind, TransportErrorKind::kTls);
  EXPECT_TRUE(contains(r.error->message, "certificate verify failed: self-signed certificate")) << r.error->message;
}

TEST_F(HttpsSServerTest, MutualTlsIsAcceptedWithTheClientCertificateAndRefusedWithout) {
  peers::SServerProcess server(dir_.path(), certs_, true);
  ClientOptions o = tls_options(server.port(), certs_.server_cert);
  Result refused = run_one(o, get_root());
  ASSERT_TRUE(refused.error.has_value()) << refused.describe();
  EXPECT_EQ(refused.error->kind, TransportErrorKind::kTls) << refused.describe();
  EXPECT_TRUE(contains(refused.error->message, "certificate required")) << refused.error->message;
  o.tls.client_cert = certs_.client_cert;
  o.tls.client_key = certs_.client_key;
  Result accepted = run_one(o, get_root());
  ASSERT_TRUE(accepted.ok()) << accepted.describe();
}

TEST(HttpsSetupTest, UnreadableFilesAndMismatchedKeysAreSetupErrors) {
  peers::TempDir dir;
  const peers::TestCerts certs = peers::make_test_certs(dir.path());
  ClientOptions o = tls_options(1, dir.path() + "/missing.pem");
  EXPECT_TRUE(HttpClient(o).setup_error().has_value());
  o.tls.ca_file = certs.server_cert;
  EXPECT_FALSE(HttpClient(o).setup_error().has_value());
  o.tls.client_cert = certs.client_cert;
  o.tls.client_key = certs.server_key;
  const auto e = HttpClient(o).setup_error();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, TransportErrorKind::kTls);
  EXPECT_TRUE(contains(e->message, "client key")) << e->message;
  const Result r = run_one(o, get_root());
  ASSERT_TRUE(r.error.has_value());
  EXPECT_FALSE(r.sent);
}

}  // namespace
}  // namespace aiperf::transport
