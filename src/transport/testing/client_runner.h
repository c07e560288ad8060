// Test helpers shared by the transport's end-to-end tests: a handler that
// records what it saw (SSE tokens, per-read clock, transport facts), a
// sequential runner with a watchdog, request builders, and a fixture with
// nginx terminating TLS in front of aiperf-mock-server. Header-only; tests only.
#pragma once

#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_server/testing/mock_server_process.h"
#include "transport/http_client.h"
#include "transport/sse_parser.h"
#include "transport/testing/tls_peers.h"

namespace aiperf::transport::testing {

using aiperf::testing::MockServerProcess;
using metrics::TimestampSource;
using namespace std::chrono_literals;
namespace peers = aiperf::transport::testing;

inline double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

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
inline std::vector<Result> run_sequential(const ClientOptions& options, const std::vector<HttpRequest>& requests,
                                   std::function<void()> on_sent = {}) {
  HttpClient client(options);
  std::vector<Result> results(requests.size());
  std::function<void(std::size_t)> submit = [&](std::size_t i) {
    auto h = std::make_unique<Collect>(results[i], [&, i] {
      if (i + 1 < requests.size()) submit(i + 1);
      else client.stop();
    });
    h->on_sent_hook = on_sent;
    client.submit(HttpRequest(requests[i]), std::move(h));
  };
  submit(0);
  client.run_at(now_ns() + 20'000'000'000, [&] { client.cancel_all(); });
  client.run();
  return results;
}

inline Result run_one(const ClientOptions& options, const HttpRequest& request, std::function<void()> on_sent = {}) {
  return run_sequential(options, {request}, std::move(on_sent)).front();
}

inline HttpRequest chat(int max_tokens, bool stream, std::vector<std::pair<std::string, std::string>> extra = {}) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/v1/chat/completions";
  r.headers = {{"Content-Type", "application/json"}};
  for (auto& h : extra) r.headers.push_back(std::move(h));
  r.body = nlohmann::json{{"model", "mock-model"},
                {"messages", nlohmann::json::array({nlohmann::json{{"role", "user"}, {"content", "tell me a story please"}}})},
                {"max_tokens", max_tokens},
                {"stream", stream}}
               .dump();
  return r;
}

inline HttpRequest get_root() {
  HttpRequest r;
  r.target = "/";
  return r;
}

inline ClientOptions tls_options(int port, const std::string& ca_file) {
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

inline bool contains(const std::string& haystack, std::string_view needle) {
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
    h2_port_ = peers::free_port();  // plain HTTP/2 only (prior knowledge): what an HTTP/1.1 client meets there
    const std::string h2 = "  server {\n    listen 127.0.0.1:" + std::to_string(h2_port_) +
                           " http2;\n    location / { return 200 \"h2\"; }\n  }\n";
    second_port_ = peers::free_port();  // a second TLS server (its own session ticket keys)
    nginx_ = new peers::NginxProcess(dir_->path(), port,
                                     peers::NginxProcess::tls_proxy(port, *certs_, mock_->port()) + h2 +
                                         peers::NginxProcess::tls_proxy(second_port_, *certs_, mock_->port()));
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

  static inline peers::TempDir* dir_ = nullptr;
  static inline peers::TestCerts* certs_ = nullptr;
  static inline MockServerProcess* mock_ = nullptr;
  static inline peers::NginxProcess* nginx_ = nullptr;
  static inline int h2_port_ = 0;
  static inline int second_port_ = 0;
};

}  // namespace aiperf::transport::testing
