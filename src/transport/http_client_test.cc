// End-to-end tests of the HTTP client against the real aiperf-mock-server
// process over 127.0.0.1, plus a tiny raw-socket server for malformed HTTP.
// Every wait is bounded; every request must end in exactly one on_complete.
#include "transport/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_server/testing/mock_server_process.h"
#include "transport/sse_parser.h"
#include "transport/testing/tls_peers.h"

namespace aiperf::transport {
namespace {

using aiperf::testing::MockServerProcess;
using nlohmann::json;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

// Everything one request's handler saw.
struct Outcome {
  std::string events;  // S(ent) H(eaders) B(ody, collapsed) C(omplete), in call order
  int64_t sent_ns = 0;
  int64_t headers_ns = 0;
  int64_t complete_ns = 0;
  int status = 0;
  Headers headers;
  std::string body;
  std::vector<int64_t> body_ts;                        // one per on_body call
  std::vector<std::pair<int64_t, std::string>> sse;    // SSE event data and the ts of its last byte
  std::optional<TransportError> error;
  int completes = 0;

  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return {};
  }
  bool ok() const { return completes == 1 && !error; }
  std::string describe() const {
    return "events=" + events + " status=" + std::to_string(status) +
           (error ? " error=" + std::string(transport_error_kind_name(error->kind)) + ": " + error->message : "");
  }
};

// Runs a client on a background thread; submits requests whose outcomes it records.
class Harness {
 public:
  explicit Harness(ClientOptions options) : client_(std::move(options)) {
    loop_ = std::thread([this] {
      loop_id_ = std::this_thread::get_id();
      client_.run();
    });
  }
  ~Harness() {
    if (loop_.joinable()) {
      client_.cancel_all();
      client_.stop();
      loop_.join();
    }
  }

  HttpClient& client() { return client_; }
  std::thread::id loop_id() const { return loop_id_; }

  // `after` runs on the loop thread right after the outcome is recorded.
  Outcome& submit(HttpRequest request, std::function<void(Outcome&)> after = {}) {
    Outcome* o;
    {
      std::lock_guard lock(mu_);
      o = outcomes_.emplace_back(std::make_unique<Outcome>()).get();
      ++submitted_;
    }
    client_.submit(std::move(request), std::make_unique<Collect>(*this, *o, std::move(after)));
    return *o;
  }

  // Waits until every submitted request completed.
  bool wait_all(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return completed_ >= submitted_; });
  }
  // Waits until `n` requests reported headers.
  bool wait_headers(int n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return headers_seen_ >= n; });
  }
  // stop() and join: every outcome is then safe to read.
  void finish() {
    client_.stop();
    loop_.join();
  }
  std::vector<Outcome*> outcomes() {
    std::lock_guard lock(mu_);
    std::vector<Outcome*> out;
    for (auto& o : outcomes_) out.push_back(o.get());
    return out;
  }

 private:
  class Collect final : public ResponseHandler {
   public:
    Collect(Harness& h, Outcome& o, std::function<void(Outcome&)> after) : h_(h), o_(o), after_(std::move(after)) {}
    void on_sent(int64_t ts) override {
      o_.events += 'S';
      o_.sent_ns = ts;
    }
    void on_headers(int status, std::span<const HeaderField> headers, int64_t ts) override {
      o_.events += 'H';
      o_.status = status;
      o_.headers_ns = ts;
      for (const auto& f : headers) o_.headers.emplace_back(std::string(f.name), std::string(f.value));
      {
        std::lock_guard lock(h_.mu_);
        ++h_.headers_seen_;
      }
      h_.cv_.notify_all();
    }
    void on_body(std::string_view bytes, int64_t ts) override {
      if (o_.events.empty() || o_.events.back() != 'B') o_.events += 'B';
      o_.body.append(bytes);
      o_.body_ts.push_back(ts);
      parser_.feed(bytes, [&](const SseEventView& ev) { o_.sse.emplace_back(ts, std::string(ev.data)); });
    }
    void on_complete(std::optional<TransportError> error) override {
      o_.events += 'C';
      o_.complete_ns = now_ns();
      o_.error = std::move(error);
      ++o_.completes;
      if (after_) after_(o_);
      {
        std::lock_guard lock(h_.mu_);
        ++h_.completed_;
      }
      h_.cv_.notify_all();
    }

   private:
    Harness& h_;
    Outcome& o_;
    std::function<void(Outcome&)> after_;
    SseParser parser_;
  };

  HttpClient client_;
  std::thread loop_;
  std::thread::id loop_id_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Outcome>> outcomes_;
  int submitted_ = 0;
  int completed_ = 0;
  int headers_seen_ = 0;
};

HttpRequest chat(int max_tokens, bool stream, Headers extra = {}) {
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

ClientOptions options_for(int port, std::size_t max_connections = 64) {
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = static_cast<uint16_t>(port);
  o.max_connections = max_connections;
  o.connect_timeout = 2s;
  o.request_timeout = 10s;
  return o;
}

// "S H B* C" in that order, each at most once, C exactly once and last.
bool well_ordered(const Outcome& o) {
  return o.events == "C" || o.events == "SC" || o.events == "SHC" || o.events == "SHBC";
}

// Token-carrying SSE events (everything but [DONE]).
std::vector<std::pair<int64_t, std::string>> token_events(const Outcome& o) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const auto& e : o.sse) {
    if (e.second != "[DONE]") out.push_back(e);
  }
  return out;
}

json mock_stats(int port) { return json::parse(aiperf::testing::http_get(port, "/mock/stats").body); }
void mock_reset(int port) { ASSERT_EQ(aiperf::testing::http_post(port, "/mock/reset", "").status, 200); }

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new MockServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->port(); }
  static MockServerProcess* server_;
};
MockServerProcess* HttpClientTest::server_ = nullptr;

TEST_F(HttpClientTest, NonStreamingPostRoundTrip) {
  Harness h(options_for(port()));
  Outcome& o = h.submit(chat(12, false, {{"X-Request-Id", "rt-1"}}));
  ASSERT_TRUE(h.wait_all());
  h.finish();
  ASSERT_TRUE(o.ok()) << o.describe();
  EXPECT_TRUE(well_ordered(o)) << o.events;
  EXPECT_EQ(o.events, "SHBC");
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(o.header("content-type"), "application/json");
  EXPECT_EQ(o.header("x-request-id"), "rt-1");
  const json j = json::parse(o.body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["usage"]["completion_tokens"], 12);
  EXPECT_GT(o.sent_ns, 0);
  EXPECT_LE(o.sent_ns, o.headers_ns);
  EXPECT_LE(o.headers_ns, o.body_ts.front());
  EXPECT_LE(o.body_ts.back(), o.complete_ns);
  const ClientStats s = h.client().stats();
  EXPECT_EQ(s.submitted, 1u);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(s.failed, 0u);
}

TEST_F(HttpClientTest, StreamingChunksArriveAsSeparateBodyCallsItlApart) {
  constexpr int kTokens = 10;
  constexpr double kTtft = 50, kItl = 20;
  Harness h(options_for(port()));
  Outcome& o = h.submit(chat(kTokens, true, {{"X-Mock-TTFT-Ms", "50"}, {"X-Mock-ITL-Ms", "20"}}));
  ASSERT_TRUE(h.wait_all());
  h.finish();
  ASSERT_TRUE(o.ok()) << o.describe();
  EXPECT_TRUE(well_ordered(o)) << o.events;
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(o.header("transfer-encoding"), "chunked");
  // Chunked framing is removed: the body is pure SSE.
  EXPECT_EQ(o.body.rfind("data: ", 0), 0u) << o.body.substr(0, 40);
  const auto tokens = token_events(o);
  ASSERT_EQ(tokens.size(), static_cast<std::size_t>(kTokens));
  EXPECT_EQ(o.sse.back().second, "[DONE]");
  // At least one on_body per token, timestamps never decrease.
  EXPECT_GE(o.body_ts.size(), static_cast<std::size_t>(kTokens));
  EXPECT_TRUE(std::is_sorted(o.body_ts.begin(), o.body_ts.end()));
  const double ttft = ms(tokens.front().first - o.sent_ns);
  EXPECT_GE(ttft, kTtft - 1);
  EXPECT_LT(ttft, kTtft + 25);
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    const double gap = ms(tokens[i].first - tokens[i - 1].first);
    EXPECT_GT(gap, kItl * 0.5) << "token " << i;
    EXPECT_LT(gap, kItl * 2.5) << "token " << i;
  }
  const double itl = ms(tokens.back().first - tokens.front().first) / (kTokens - 1);
  EXPECT_NEAR(itl, kItl, 2.0);
  std::printf("[measured] ttft %.3f ms (injected %.0f), mean itl %.3f ms (injected %.0f)\n", ttft, kTtft, itl, kItl);
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnectionForSequentialRequests) {
  constexpr int kRequests = 50;
  Harness h(options_for(port()));
  std::atomic<int> issued{1};
  std::function<void(Outcome&)> next = [&](Outcome&) {
    if (issued.fetch_add(1) < kRequests) h.submit(chat(4, true), next);  // from the loop thread
  };
  h.submit(chat(4, true), next);
  for (int i = 0; i < 100 && issued.load() < kRequests; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(h.wait_all());
  h.finish();
  auto all = h.outcomes();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kRequests));
  for (auto* o : all) EXPECT_TRUE(o->ok() && o->status == 200) << o->describe();
  const ClientStats s = h.client().stats();
  EXPECT_EQ(s.connections_opened, 1u);
  EXPECT_EQ(s.connections_reused, static_cast<uint64_t>(kRequests - 1));
  EXPECT_EQ(s.connections_discarded, 0u);
  EXPECT_EQ(s.peak_open_connections, 1u);
}

TEST_F(HttpClientTest, ConnectionCloseRequestIsNotReused) {
  Harness h(options_for(port()));
  h.submit(chat(2, false, {{"Connection", "close"}}), [&](Outcome&) { h.submit(chat(2, false)); });
  for (int i = 0; i < 100 && h.outcomes().size() < 2; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(h.wait_all());
  h.finish();
  for (auto* o : h.outcomes()) EXPECT_TRUE(o->ok()) << o->describe();
  EXPECT_EQ(h.client().stats().connections_opened, 2u);
  EXPECT_EQ(h.client().stats().connections_discarded, 1u);
}

TEST_F(HttpClientTest, MaxConnectionsIsRespectedAndExtraRequestsQueue) {
  mock_reset(port());
  constexpr int kRequests = 20;
  Harness h(options_for(port(), 4));
  for (int i = 0; i < kRequests; ++i) h.submit(chat(3, true, {{"X-Mock-TTFT-Ms", "60"}, {"X-Mock-ITL-Ms", "5"}}));
  ASSERT_TRUE(h.wait_all(15s));
  h.finish();
  for (auto* o : h.outcomes()) EXPECT_TRUE(o->ok() && o->status == 200) << o->describe();
  const ClientStats s = h.client().stats();
  EXPECT_EQ(s.connections_opened, 4u);
  EXPECT_EQ(s.peak_open_connections, 4u);
  EXPECT_EQ(s.peak_queued, static_cast<uint64_t>(kRequests - 4));
  EXPECT_EQ(s.connections_reused, static_cast<uint64_t>(kRequests - 4));
  const json stats = mock_stats(port());
  EXPECT_EQ(stats["requests"], kRequests);
  EXPECT_EQ(stats["peak_in_flight"], 4);
}

// ---- every fault of the mock: exactly one on_complete with the right outcome ----

TEST_F(HttpClientTest, FaultHttp500IsAStatusNotATransportError) {
  Harness h(options_for(port()));
  Outcome& s = h.submit(chat(4, true, {{"X-Mock-Fault", "http_500"}}));
  Outcome& n = h.submit(chat(4, false, {{"X-Mock-Fault", "http_500"}}));
  ASSERT_TRUE(h.wait_all());
  h.finish();
  for (Outcome* o : {&s, &n}) {
    EXPECT_TRUE(o->ok()) << o->describe();
    EXPECT_EQ(o->status, 500);
    EXPECT_EQ(o->events, "SHBC");
    EXPECT_NE(o->body.find("error"), std::string::npos) << o->body;
  }
}

TEST_F(HttpClientTest, FaultHttp429IsAStatusWithItsHeaders) {
  Harness h(options_for(port()));
  Outcome& o = h.submit(chat(4, true, {{"X-Mock-Fault", "http_429"}}));
  ASSERT_TRUE(h.wait_all());
  h.finish();
  EXPECT_TRUE(o.ok()) << o.describe();
  EXPECT_EQ(o.status, 429);
  EXPECT_EQ(o.header("retry-after"), "1");
  EXPECT_NE(o.body.find("rate_limit_exceeded"), std::string::npos) << o.body;
}

TEST_F(HttpClientTest, FaultResetMidStreamIsAnIoError) {
  Harness h(options_for(port()));
  Outcome& s = h.submit(chat(8, true, {{"X-Mock-Fault", "reset"}, {"X-Mock-Fault-After", "3"}}));
  Outcome& n = h.submit(chat(8, false, {{"X-Mock-Fault", "reset"}}));
  ASSERT_TRUE(h.wait_all());
  h.finish();
  for (Outcome* o : {&s, &n}) {
    ASSERT_EQ(o->completes, 1);
    ASSERT_TRUE(o->error) << o->describe();
    EXPECT_EQ(o->error->kind, TransportErrorKind::kIo) << o->describe();
    EXPECT_EQ(to_error_kind(o->error->kind), metrics::ErrorKind::kIo);
    EXPECT_EQ(o->status, 200);  // the head arrived before the reset
    EXPECT_TRUE(well_ordered(*o)) << o->events;
  }
  EXPECT_EQ(token_events(s).size(), 3u);  // the first 3 tokens were delivered before the reset
  EXPECT_NE(s.error->message.find("body bytes"), std::string::npos) << s.error->message;
  EXPECT_EQ(h.client().stats().connections_discarded, 2u);
}

TEST_F(HttpClientTest, FaultStallTimesOutWithRequestTimeout) {
  ClientOptions opt = options_for(port());
  opt.request_timeout = 300ms;
  Harness h(opt);
  Outcome& a = h.submit(chat(8, true, {{"X-Mock-Fault", "stall"}}));
  HttpRequest per_request = chat(8, true, {{"X-Mock-Fault", "stall"}});
  per_request.timeout = 150ms;  // overrides the client default
  Outcome& b = h.submit(per_request);
  ASSERT_TRUE(h.wait_all(5s));
  h.finish();
  for (Outcome* o : {&a, &b}) {
    ASSERT_EQ(o->completes, 1);
    ASSERT_TRUE(o->error) << o->describe();
    EXPECT_EQ(o->error->kind, TransportErrorKind::kTimeout) << o->describe();
    EXPECT_EQ(to_error_kind(o->error->kind), metrics::ErrorKind::kTimeout);
    EXPECT_EQ(o->status, 200);
    EXPECT_FALSE(token_events(*o).empty());  // half the tokens arrived before the stall
  }
  EXPECT_NEAR(ms(a.complete_ns - a.sent_ns), 300, 60);
  EXPECT_NEAR(ms(b.complete_ns - b.sent_ns), 150, 60);
  EXPECT_NE(a.error->message.find("300 ms"), std::string::npos) << a.error->message;
}

TEST_F(HttpClientTest, FaultMalformedSseIsDeliveredForTheEndpointToJudge) {
  Harness h(options_for(port()));
  Outcome& o = h.submit(chat(6, true, {{"X-Mock-Fault", "malformed_sse"}}));
  ASSERT_TRUE(h.wait_all());
  h.finish();
  // Valid HTTP carrying bad content: not a transport error; the endpoint's parser reports it.
  EXPECT_TRUE(o.ok()) << o.describe();
  EXPECT_EQ(o.status, 200);
  int not_json = 0;
  for (const auto& [ts, data] : o.sse) {
    if (data != "[DONE]" && json::parse(data, nullptr, false).is_discarded()) ++not_json;
  }
  EXPECT_EQ(not_json, 1) << o.body;
}

TEST_F(HttpClientTest, FaultTruncatedJsonIsDeliveredForTheEndpointToJudge) {
  Harness h(options_for(port()));
  Outcome& n = h.submit(chat(6, false, {{"X-Mock-Fault", "truncated_json"}}));
  Outcome& s = h.submit(chat(6, true, {{"X-Mock-Fault", "truncated_json"}}));
  ASSERT_TRUE(h.wait_all());
  h.finish();
  EXPECT_TRUE(n.ok()) << n.describe();
  EXPECT_EQ(n.status, 200);
  EXPECT_FALSE(n.body.empty());
  EXPECT_FALSE(json::accept(n.body)) << n.body;
  EXPECT_TRUE(s.ok()) << s.describe();
  int not_json = 0;
  for (const auto& [ts, data] : s.sse) {
    if (data != "[DONE]" && !json::accept(data)) ++not_json;
  }
  EXPECT_EQ(not_json, 1) << s.body;
}

TEST_F(HttpClientTest, EveryFaultKindTogetherCountsAddUp) {
  const std::vector<std::string> faults = {"none", "http_500", "http_429", "reset", "stall", "malformed_sse", "truncated_json"};
  ClientOptions opt = options_for(port(), 8);
  opt.request_timeout = 400ms;
  Harness h(opt);
  for (int round = 0; round < 3; ++round) {
    for (const auto& f : faults) {
      h.submit(chat(6, round % 2 == 0, {{"X-Mock-Fault", f}}));
    }
  }
  ASSERT_TRUE(h.wait_all(10s));
  h.finish();
  int ok = 0, io = 0, timeout = 0;
  for (auto* o : h.outcomes()) {
    EXPECT_EQ(o->completes, 1);
    EXPECT_TRUE(well_ordered(*o)) << o->events;
    if (!o->error) ++ok;
    else if (o->error->kind == TransportErrorKind::kIo) ++io;
    else if (o->error->kind == TransportErrorKind::kTimeout) ++timeout;
  }
  EXPECT_EQ(ok, 3 * 5);
  EXPECT_EQ(io, 3);
  EXPECT_EQ(timeout, 3);
  const ClientStats s = h.client().stats();
  EXPECT_EQ(s.submitted, s.completed);
  EXPECT_EQ(s.failed, 6u);
}

// ---- connect errors, cancellation, shutdown ----

// A TCP port on 127.0.0.1 that is bound but not listening: connects are refused.
class RefusingPort {
 public:
  RefusingPort() { fd_ = transport::testing::listen_on_loopback(port_, 0); }
  ~RefusingPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(HttpClientConnectTest, ConnectionRefusedIsAConnectError) {
  RefusingPort refusing;
  Harness h(options_for(refusing.port()));
  Outcome& a = h.submit(chat(2, false));
  Outcome& b = h.submit(chat(2, true));
  ASSERT_TRUE(h.wait_all(5s));
  h.finish();
  for (Outcome* o : {&a, &b}) {
    ASSERT_EQ(o->completes, 1);
    ASSERT_TRUE(o->error);
    EXPECT_EQ(o->error->kind, TransportErrorKind::kConnect) << o->describe();
    EXPECT_EQ(to_error_kind(o->error->kind), metrics::ErrorKind::kConnect);
    EXPECT_EQ(o->events, "C");  // never sent
    EXPECT_NE(o->error->message.find("refused"), std::string::npos) << o->error->message;
  }
}

TEST(HttpClientConnectTest, InvalidRequestIsRejectedWithoutSending) {
  RefusingPort refusing;  // never reached
  Harness h(options_for(refusing.port()));
  HttpRequest bad = chat(2, false, {{"X-Evil", "a\r\nInjected: yes"}});
  Outcome& o = h.submit(bad);
  HttpRequest bad_method = chat(2, false);
  bad_method.method = "PO ST";
  Outcome& m = h.submit(bad_method);
  ASSERT_TRUE(h.wait_all(5s));
  h.finish();
  for (Outcome* x : {&o, &m}) {
    ASSERT_TRUE(x->error);
    EXPECT_EQ(x->error->kind, TransportErrorKind::kProtocol);
    EXPECT_EQ(x->events, "C");
  }
  EXPECT_EQ(h.client().stats().connections_opened, 0u);
}

TEST_F(HttpClientTest, CancelAllCompletesInFlightAndQueuedWithCancelled) {
  Harness h(options_for(port(), 3));
  for (int i = 0; i < 6; ++i) h.submit(chat(8, true, {{"X-Mock-Fault", "stall"}}));
  ASSERT_TRUE(h.wait_headers(3, 5s));  // 3 in flight and stalled, 3 queued
  h.client().cancel_all();
  ASSERT_TRUE(h.wait_all(5s));
  int sent = 0;
  for (auto* o : h.outcomes()) {
    ASSERT_EQ(o->completes, 1);
    ASSERT_TRUE(o->error) << o->describe();
    EXPECT_EQ(o->error->kind, TransportErrorKind::kCancelled);
    EXPECT_EQ(to_error_kind(o->error->kind), metrics::ErrorKind::kCancelled);
    EXPECT_TRUE(well_ordered(*o)) << o->events;
    sent += o->events.front() == 'S';
  }
  EXPECT_EQ(sent, 3);
  // The client stays usable.
  Outcome& after = h.submit(chat(2, false));
  ASSERT_TRUE(h.wait_all(5s));
  h.finish();
  EXPECT_TRUE(after.ok()) << after.describe();
}

TEST_F(HttpClientTest, DestructionCompletesUnfinishedRequestsWithCancelled) {
  std::vector<Outcome> outcomes(5);
  {
    HttpClient client(options_for(port()));
    for (auto& o : outcomes) {
      auto handler = std::make_unique<CallbackHandler>();
      handler->complete = [&o](std::optional<TransportError> e) {
        ++o.completes;
        o.error = std::move(e);
      };
      client.submit(chat(2, false), std::move(handler));
    }
    // run() is never called: the destructor must still complete every request.
  }
  for (auto& o : outcomes) {
    ASSERT_EQ(o.completes, 1);
    ASSERT_TRUE(o.error);
    EXPECT_EQ(o.error->kind, TransportErrorKind::kCancelled);
    EXPECT_EQ(o.error->message, "client shut down");
  }
}

// ---- submit from the loop thread ----

// The engine submits from completions and timers: such a request is written before submit returns
// (no turn of the loop in between), and still completes later, never inside the call.
TEST_F(HttpClientTest, SubmitFromTheLoopThreadSendsBeforeReturningAndCompletesLater) {
  Harness h(options_for(port()));
  Outcome& warm = h.submit(chat(2, false));  // leaves an idle keep-alive connection
  ASSERT_TRUE(h.wait_all(5s));
  ASSERT_TRUE(warm.ok()) << warm.describe();
  std::promise<std::string> seen;
  h.client().post([&] {
    auto events = std::make_shared<std::string>();
    auto handler = std::make_unique<CallbackHandler>();
    handler->sent = [events](int64_t) { *events += 'S'; };
    handler->complete = [events](std::optional<TransportError>) { *events += 'C'; };
    h.client().submit(chat(2, false), std::move(handler));
    seen.set_value(*events);
  });
  auto f = seen.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), "S") << "written inside submit, completed after it";
  h.finish();
}

// A body far larger than the socket's send buffer: the send made inside submit takes part of it, Asio's
// write the rest. A lost or repeated byte breaks the JSON or the Content-Length framing.
TEST_F(HttpClientTest, BodyLargerThanTheSendBufferArrivesWholeOnAReusedConnection) {
  Harness h(options_for(port()));
  Outcome& warm = h.submit(chat(2, false));
  ASSERT_TRUE(h.wait_all(5s));
  ASSERT_TRUE(warm.ok()) << warm.describe();
  HttpRequest big = chat(2, false);
  big.body = json{{"model", "mock-model"},
                  {"messages", json::array({json{{"role", "user"}, {"content", std::string(8 << 20, 'w')}}})},
                  {"max_tokens", 2}}
                 .dump();
  Outcome& o = h.submit(std::move(big));
  ASSERT_TRUE(h.wait_all(20s));
  h.finish();
  ASSERT_TRUE(o.ok()) << o.describe();
  EXPECT_EQ(o.status, 200) << o.body;
  EXPECT_EQ(h.client().stats().connections_opened, 1u);
}

TEST(HttpClientConnectTest, RefusedRequestSubmittedFromTheLoopThreadCompletesAfterSubmitReturns) {
  RefusingPort refusing;  // never reached
  Harness h(options_for(refusing.port()));
  std::promise<std::string> order;
  h.client().post([&] {
    auto log = std::make_shared<std::string>();
    auto handler = std::make_unique<CallbackHandler>();
    handler->complete = [log, &order](std::optional<TransportError> e) {
      *log += e && e->kind == TransportErrorKind::kProtocol ? "C" : "?";
      order.set_value(*log);
    };
    HttpRequest bad = chat(2, false);
    bad.method = "PO ST";
    h.client().submit(std::move(bad), std::move(handler));
    *log += "R";  // submit returned
  });
  auto f = order.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), "RC");
  h.finish();
}

// A submit from the loop thread must not overtake work posted before it: cancel_all() right before
// submit() does not cancel the new request.
TEST_F(HttpClientTest, SubmitFromTheLoopThreadKeepsItsOrderWithCancelAll) {
  Harness h(options_for(port()));
  std::promise<std::optional<TransportError>> done;
  h.client().post([&] {
    h.client().cancel_all();
    auto handler = std::make_unique<CallbackHandler>();
    handler->complete = [&done](std::optional<TransportError> e) { done.set_value(std::move(e)); };
    h.client().submit(chat(2, false), std::move(handler));
  });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  const auto error = f.get();
  EXPECT_FALSE(error) << error->message;
  h.finish();
}

// ---- loop services: post, run_at, stop ----

TEST_F(HttpClientTest, PostAndRunAtRunOnTheLoopThreadAndStopDropsPendingTimers) {
  Harness h(options_for(port()));
  std::promise<std::thread::id> posted;
  h.client().post([&] { posted.set_value(std::this_thread::get_id()); });
  auto f = posted.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), h.loop_id());

  std::promise<int64_t> fired;
  const int64_t due = now_ns() + 20'000'000;
  h.client().run_at(due, [&] { fired.set_value(now_ns()); });
  auto ff = fired.get_future();
  ASSERT_EQ(ff.wait_for(5s), std::future_status::ready);
  EXPECT_GE(ff.get(), due);

  std::atomic<bool> late_ran{false};
  h.client().run_at(now_ns() + 60'000'000'000, [&] { late_ran = true; });  // a minute away
  const auto t0 = std::chrono::steady_clock::now();
  h.finish();  // stop() must not wait for it
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_FALSE(late_ran);
}

TEST(HttpClientTimerTest, RunAtIsNeverEarlyAndPrecise) {
  constexpr int kTimers = 200;
  HttpClient client(ClientOptions{});
  std::vector<int64_t> due(kTimers), fired(kTimers);
  const int64_t start = now_ns() + 10'000'000;
  for (int i = 0; i < kTimers; ++i) {
    due[i] = start + int64_t{i} * 1'000'000;  // one per ms
    client.run_at(due[i], [&, i] {
      fired[i] = now_ns();
      if (i == kTimers - 1) client.stop();
    });
  }
  std::thread loop([&] { client.run(); });
  loop.join();
  std::vector<double> late_us;
  for (int i = 0; i < kTimers; ++i) {
    ASSERT_GT(fired[i], 0) << i;
    EXPECT_GE(fired[i], due[i]) << "timer " << i << " fired early";
    late_us.push_back(static_cast<double>(fired[i] - due[i]) / 1e3);
  }
  std::sort(late_us.begin(), late_us.end());
  const double p50 = late_us[kTimers / 2], p99 = late_us[kTimers * 99 / 100];
  std::printf("[measured] run_at lateness over %d timers: p50 %.1f us, p99 %.1f us, max %.1f us\n", kTimers, p50,
              p99, late_us.back());
  EXPECT_LT(p50, 1000.0);  // generous: a shared 2-core machine
}

// ---- malformed HTTP and edge framings from a raw socket server ----

// Accepts connections on 127.0.0.1; for each, reads one request (head and
// Content-Length body), writes `response`, then closes the connection.
class RawServer {
 public:
  explicit RawServer(std::string response) : response_(std::move(response)) {
    fd_ = transport::testing::listen_on_loopback(port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~RawServer() {
    ::shutdown(fd_, SHUT_RDWR);  // unblocks accept()
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  void serve() {
    for (;;) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++accepted_;
      std::string in;
      char buf[4096];
      std::size_t need = std::string::npos;
      while (need == std::string::npos || in.size() < need) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        const auto end = in.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
          std::size_t body = 0;
          if (auto p = in.find("Content-Length: "); p != std::string::npos) body = std::stoul(in.substr(p + 16));
          need = end + 4 + body;
        }
      }
      if (!response_.empty()) (void)::send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  std::string response_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

struct RawCase {
  const char* name;
  const char* response;
  std::optional<TransportErrorKind> error;  // nullopt: success
  int status;                                // 0: no headers expected
  const char* body;
};

class HttpClientRawTest : public ::testing::TestWithParam<RawCase> {};

TEST_P(HttpClientRawTest, OutcomeMatches) {
  const RawCase& c = GetParam();
  RawServer server(c.response);
  Harness h(options_for(server.port()));
  Outcome& o = h.submit(chat(2, false));
  ASSERT_TRUE(h.wait_all(5s));
  h.finish();
  ASSERT_EQ(o.completes, 1);
  EXPECT_TRUE(well_ordered(o)) << o.events;
  if (c.error) {
    ASSERT_TRUE(o.error) << o.describe();
    EXPECT_EQ(o.error->kind, *c.error) << o.describe();
  } else {
    EXPECT_FALSE(o.error) << o.describe();
  }
  EXPECT_EQ(o.status, c.status);
  EXPECT_EQ(o.body, c.body);
}

INSTANTIATE_TEST_SUITE_P(
    Framings, HttpClientRawTest,
    ::testing::Values(
        RawCase{"ChunkedIsDecoded",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n",
                std::nullopt, 200, "hello world"},
        RawCase{"BodyUntilEof", "HTTP/1.1 200 OK\r\n\r\nuntil the end", std::nullopt, 200, "until the end"},
        RawCase{"Http10", "HTTP/1.0 404 Not Found\r\nContent-Length: 4\r\n\r\nnope", std::nullopt, 404, "nope"},
        RawCase{"InterimResponseSkipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
                std::nullopt, 201, "ok"},
        RawCase{"GarbageStatusLine", "garbage garbage\r\n\r\n", TransportErrorKind::kProtocol, 0, ""},
        RawCase{"BadContentLength", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", TransportErrorKind::kProtocol, 0,
                ""},
        RawCase{"BadChunkSize", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
                TransportErrorKind::kProtocol, 200, "abc"},
        RawCase{"ShortBody", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", TransportErrorKind::kIo, 200,
                "short"},
        RawCase{"ClosedWithoutResponse", "", TransportErrorKind::kIo, 0, ""},
        RawCase{"ClosedInsideHead", "HTTP/1.1 200 OK\r\nContent-Le", TransportErrorKind::kIo, 0, ""}),
    [](const ::testing::TestParamInfo<RawCase>& p) { return std::string(p.param.name); });

// Two requests `gap` apart to a server that says keep-alive but closes after each response (as
// an idle timeout would); both must succeed. The client's counters, and what the server accepted.
struct TwoRequests {
  ClientStats stats;
  int accepted = 0;
};
TwoRequests two_requests_to_a_closing_server(std::chrono::milliseconds gap) {
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok");
  Harness h(options_for(server.port()));
  Outcome& first = h.submit(chat(2, false));
  EXPECT_TRUE(h.wait_all(5s));
  std::this_thread::sleep_for(gap);
  Outcome& second = h.submit(chat(2, false));
  EXPECT_TRUE(h.wait_all(5s));
  h.finish();
  EXPECT_TRUE(first.ok()) << first.describe();
  EXPECT_TRUE(second.ok()) << second.describe();
  return {h.client().stats(), server.accepted()};
}

TEST(HttpClientStaleTest, IdleConnectionClosedByServerIsNotReused) {
  // Idle beyond the client's 100 ms threshold: it peeks (MSG_PEEK) and sees the FIN.
  const TwoRequests run = two_requests_to_a_closing_server(150ms);
  EXPECT_EQ(run.stats.connections_opened, 2u);
  EXPECT_EQ(run.stats.connections_reused, 0u);
  EXPECT_EQ(run.accepted, 2);
}

TEST(HttpClientStaleTest, ConnectionClosedRightAfterItsResponseIsRetriedWhenReusedAtOnce) {
  // Reused within the peek threshold the close goes unseen until the write: the stale-connection
  // retry sends the request again on a new connection, and it succeeds.
  const TwoRequests run = two_requests_to_a_closing_server(0ms);
  EXPECT_EQ(run.stats.connections_opened, 2u);
  // Reused and retried (or, on a machine slow enough to pass the threshold, peeked and not reused).
  EXPECT_EQ(run.stats.retries, run.stats.connections_reused);
  EXPECT_LE(run.stats.retries, 1u);
  EXPECT_EQ(run.accepted, 2);
}

// A request that cannot go on the wire is refused before any connection, with what is wrong;
// the client goes on serving good requests.
TEST(HttpClientRequestCheckTest, RequestsWithBadMethodTargetOrHeadersAreRefusedBeforeConnecting) {
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  Harness h(options_for(server.port()));
  struct Bad {
    std::function<void(HttpRequest&)> spoil;
    std::string why;
  };
  const std::vector<Bad> cases = {
      {[](HttpRequest& r) { r.method = "PO ST"; }, "bad method 'PO ST'"},
      {[](HttpRequest& r) { r.method = ""; }, "bad method ''"},
      {[](HttpRequest& r) { r.target = ""; }, "empty target"},
      {[](HttpRequest& r) { r.target = "/a b"; }, "whitespace or control character in target"},
      {[](HttpRequest& r) { r.headers.emplace_back("Bad Name", "x"); }, "bad header name 'Bad Name'"},
      {[](HttpRequest& r) { r.headers.emplace_back("X-Colon:", "x"); }, "bad header name 'X-Colon:'"},
      {[](HttpRequest& r) { r.headers.emplace_back("", "x"); }, "bad header name ''"},
      {[](HttpRequest& r) { r.headers.emplace_back("X-Cr", "a\rb"); }, "CR, LF or NUL in the value of header 'X-Cr'"},
      {[](HttpRequest& r) { r.headers.emplace_back("X-Lf", "a\nb"); }, "CR, LF or NUL in the value of header 'X-Lf'"},
      {[](HttpRequest& r) { r.headers.emplace_back("X-Nul", std::string("a\0b", 3)); },
       "CR, LF or NUL in the value of header 'X-Nul'"},
  };
  std::vector<Outcome*> refused;
  for (const Bad& bad : cases) {
    HttpRequest r = chat(2, false);
    bad.spoil(r);
    refused.push_back(&h.submit(std::move(r)));
  }
  ASSERT_TRUE(h.wait_all(5s));
  Outcome& good = h.submit(chat(2, false, {{"X-Fine", "tab\tand spaces are values"}}));
  ASSERT_TRUE(h.wait_all(5s));
  h.finish();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    ASSERT_TRUE(refused[i]->error.has_value()) << cases[i].why;
    EXPECT_EQ(refused[i]->error->kind, TransportErrorKind::kProtocol) << cases[i].why;
    EXPECT_EQ(refused[i]->error->message, "invalid request: " + cases[i].why);
  }
  EXPECT_TRUE(good.ok()) << good.describe();
  EXPECT_EQ(server.accepted(), 1) << "only the good request connected";
}

// ---- scale ----

// A 3 s TTFT keeps every stream open long enough for all 1,000 to connect, even
// under sanitizers on a busy machine: the point is that they are all held at once.
TEST_F(HttpClientTest, ThousandConcurrentStreamingRequests) {
  constexpr int kStreams = 1000;
  constexpr int kTokens = 10;
  mock_reset(port());
  ClientOptions opt = options_for(port(), 1024);
  opt.request_timeout = 20s;
  Harness h(opt);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kStreams; ++i) {
    h.submit(chat(kTokens, true, {{"X-Mock-TTFT-Ms", "3000"}, {"X-Mock-ITL-Ms", "10"}}));
  }
  ASSERT_TRUE(h.wait_all(15s));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  h.finish();
  int ok = 0;
  for (auto* o : h.outcomes()) {
    if (o->ok() && o->status == 200 && token_events(*o).size() == static_cast<std::size_t>(kTokens)) {
      ++ok;
    } else {
      ADD_FAILURE() << o->describe();
      break;
    }
  }
  EXPECT_EQ(ok, kStreams);
  const ClientStats s = h.client().stats();
  EXPECT_EQ(s.completed, static_cast<uint64_t>(kStreams));
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.peak_open_connections, static_cast<uint64_t>(kStreams));
  const json stats = mock_stats(port());
  EXPECT_EQ(stats["requests"], kStreams);
  EXPECT_EQ(stats["peak_in_flight"], kStreams);  // all 1,000 streams were open at once
  std::printf("[measured] %d concurrent streams (TTFT 3 s, %d tokens at 10 ms) completed in %.2f s\n", kStreams,
              kTokens, secs);
}

// ---- CPU cost (run explicitly: --gtest_also_run_disabled_tests --gtest_filter='*Cpu*') ----

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Closed loop: `concurrency` requests in flight until `total` completed. Returns CPU seconds of this process.
double closed_loop(int port, int concurrency, int total, bool stream, int tokens, uint64_t* chunks) {
  ClientOptions opt = options_for(port, static_cast<std::size_t>(concurrency));
  HttpClient client(opt);
  std::atomic<int> issued{0};
  int completed = 0, failed = 0;
  std::string first_error;
  uint64_t bodies = 0;
  const HttpRequest request = chat(tokens, stream);
  std::function<void()> issue = [&] {
    if (issued.fetch_add(1) >= total) return;
    auto handler = std::make_unique<CallbackHandler>();
    handler->body = [&](std::string_view, int64_t) { ++bodies; };
    handler->complete = [&](std::optional<TransportError> e) {
      if (e && failed++ == 0) first_error = std::string(transport_error_kind_name(e->kind)) + ": " + e->message;
      if (++completed == total) client.stop();
      issue();
    };
    client.submit(HttpRequest(request), std::move(handler));
  };
  for (int i = 0; i < concurrency; ++i) issue();
  const double c0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  client.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - c0;
  EXPECT_EQ(failed, 0) << "first error: " << first_error;
  *chunks = bodies;
  std::printf("[measured] %s c=%d n=%d: %.2f s wall, %.0f req/s, client CPU %.2f s = %.2f us/request, %.3f us/on_body (%llu calls)\n",
              stream ? "streaming" : "non-streaming", concurrency, total, wall, total / wall, cpu, cpu / total * 1e6,
              cpu / static_cast<double>(std::max<uint64_t>(bodies, 1)) * 1e6, static_cast<unsigned long long>(bodies));
  return cpu;
}

TEST(HttpClientCpuTest, DISABLED_CpuPerRequestAgainstFastMock) {
  const int n = std::getenv("AIPERF_HTTP_BENCH_N") ? std::atoi(std::getenv("AIPERF_HTTP_BENCH_N")) : 20000;
  const int c = std::getenv("AIPERF_HTTP_BENCH_C") ? std::atoi(std::getenv("AIPERF_HTTP_BENCH_C")) : 64;
  MockServerProcess server({"--fast"});
  uint64_t chunks = 0;
  closed_loop(server.port(), c, n, false, 16, &chunks);
  closed_loop(server.port(), c, n, true, 16, &chunks);
  closed_loop(server.port(), c, n / 4, true, 128, &chunks);
}

}  // namespace
}  // namespace aiperf::transport
