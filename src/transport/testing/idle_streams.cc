#include "transport/testing/idle_streams.h"

#include <malloc.h>

#include <memory>
#include <string>

#include "transport/http_client.h"

namespace aiperf::transport::testing {

namespace {

// Counts the streams that got body bytes; keeps nothing else (the stream's cost is the client's).
struct FirstBytes final : ResponseHandler {
  explicit FirstBytes(std::size_t& started) : started_(started) {}
  void on_body(std::string_view, int64_t) override {
    if (!seen_) ++started_, seen_ = true;
  }
  void on_complete(std::optional<TransportError>) override {}
  std::size_t& started_;
  bool seen_ = false;
};

}  // namespace

std::size_t heap_in_use() {
  const struct mallinfo2 mi = ::mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

std::optional<IdleStreams> measure_idle_streams(uint16_t port, std::size_t n, double timeout_s,
                                                metrics::TimestampSource clock) {
  ClientOptions options;
  options.port = port;
  options.max_connections = n;
  options.timestamp_source = clock;
  HttpClient client(options);
  std::size_t started = 0;
  std::optional<IdleStreams> out;
  const std::size_t before = heap_in_use();
  for (std::size_t i = 0; i < n; ++i) {
    HttpRequest r;
    r.method = "POST";
    r.target = "/v1/chat/completions";
    r.headers = {{"Content-Type", "application/json"}};
    r.body = R"({"model":"m","messages":[{"role":"user","content":"hello"}],"stream":true,"max_tokens":4})";
    client.submit(std::move(r), std::make_unique<FirstBytes>(started));
  }
  const int64_t deadline = now_ns() + static_cast<int64_t>(timeout_s * 1e9);
  std::function<void()> poll = [&] {
    if (started == n) {
      out = IdleStreams{n, static_cast<double>(heap_in_use() - before) / static_cast<double>(n)};
    } else if (now_ns() < deadline) {
      return client.run_at(now_ns() + 20'000'000, poll);
    }
    client.cancel_all();
    client.stop();
  };
  client.run_at(now_ns() + 20'000'000, poll);
  client.run();
  return out;
}

}  // namespace aiperf::transport::testing
