// HTTPS, content decoding, HTTP/2 detection and kernel timestamps against real
// peers started by the tests on 127.0.0.1: nginx terminating TLS (self-signed
// certificate made with the openssl CLI) in front of aiperf-mock-server,
// `openssl s_server`, and raw sockets. Every run is bounded by a watchdog.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <poll.h>
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

#include "transport/testing/client_runner.h"

namespace aiperf::transport {
namespace {

using namespace aiperf::transport::testing;
using nlohmann::json;

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

TEST_F(HttpsNginxTest, EachServerResumesItsOwnSession) {
  ClientOptions o = options();
  o.more_origins = {{"127.0.0.1", static_cast<uint16_t>(second_port_)}};
  std::vector<HttpRequest> requests;
  for (std::size_t origin : {0, 1, 0, 1}) {
    requests.push_back(chat(2, false, {{"Connection", "close"}}));  // every request reconnects
    requests.back().origin = origin;
  }
  const auto results = run_sequential(o, requests);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_FALSE(results[0].transport.tls_session_resumed);
  EXPECT_FALSE(results[1].transport.tls_session_resumed) << "the first ticket belongs to the other server";
  EXPECT_TRUE(results[2].transport.tls_session_resumed) << "server 0's own ticket";
  EXPECT_TRUE(results[3].transport.tls_session_resumed) << "server 1's own ticket";
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

TEST_F(HttpsNginxTest, MaxResponseBytesAlsoBoundsTheDecodedBody) {
  ClientOptions o = options();
  o.accept_encoding = "gzip";
  o.max_response_bytes = 20000;  // above the gzip stream on the wire, below the SSE it decodes to
  const Result r = run_one(o, chat(500, true));
  ASSERT_TRUE(r.error) << r.describe();
  EXPECT_EQ(r.error->kind, TransportErrorKind::kProtocol);
  EXPECT_TRUE(contains(r.error->message, "decoded response body larger than the bound of 20000 bytes")) << r.describe();
  EXPECT_LE(r.body.size(), 20000u + 16384u) << "at most one read past the bound";
}

TEST_F(HttpsNginxTest, DecodesAGzipNonStreamingBody) {
  ClientOptions o = options();
  o.accept_encoding = "gzip";
  const Result r = run_one(o, chat(40, false));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.content_encoding_header, "gzip");
  EXPECT_EQ(json::parse(r.body)["usage"]["completion_tokens"], 40);
}

TEST_F(HttpsNginxTest, AnHttp2OnlyPortIsNamedAsSuch) {
  ClientOptions o;
  o.port = static_cast<uint16_t>(h2_port_);
  o.connect_timeout = 5s;
  o.request_timeout = 5s;
  const Result r = run_one(o, chat(2, false));
  ASSERT_TRUE(r.error.has_value()) << r.describe();
  EXPECT_EQ(r.error->kind, TransportErrorKind::kProtocol);
  EXPECT_TRUE(contains(r.error->message, "the server speaks HTTP/2 only; aiperf speaks HTTP/1.1")) << r.error->message;
}

// A raw peer that answers any request with an HTTP/2 SETTINGS frame (server preface) and closes.
TEST(Http2DetectionTest, ASettingsFrameInPlaceOfAStatusLineIsNamed) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  std::thread peer([fd] {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return;
    const int c = ::accept(fd, nullptr, nullptr);
    char buf[4096];
    (void)::recv(c, buf, sizeof buf, 0);
    const unsigned char settings[] = {0, 0, 6, 0x04, 0, 0, 0, 0, 0, 0, 0x03, 0, 0, 0, 100};
    (void)::send(c, settings, sizeof settings, MSG_NOSIGNAL);
    ::close(c);
  });
  ClientOptions o;
  o.port = ntohs(a.sin_port);
  o.request_timeout = 5s;
  const Result r = run_one(o, get_root());
  peer.join();
  ::close(fd);
  ASSERT_TRUE(r.error.has_value()) << r.describe();
  EXPECT_EQ(r.error->kind, TransportErrorKind::kProtocol);
  EXPECT_TRUE(contains(r.error->message, "HTTP/2 only")) << r.error->message;
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
