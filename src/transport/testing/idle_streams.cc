#include "transport/testing/idle_streams.h"

#include <malloc.h>

#include <memory>
#include <string>


namespace aiperf::transport::testing {

namespace {

// Counts the streams that got body bytes and forwards every event to `inner`, if any.
struct FirstBytes final : ResponseHandler {
  FirstBytes(std::size_t& started, std::unique_ptr<ResponseHandler> inner)
      : started_(started), inner_(std::move(inner)) {}
  void on_sent(int64_t ts) override {
    if (inner_) inner_->on_sent(ts);
  }
  void on_headers(int status, std::span<const HeaderField> h, int64_t ts) override {
    if (inner_) inner_->on_headers(status, h, ts);
  }
  void on_stamped_body(std::string_view bytes, int64_t ts, metrics::TimestampSource source) override {
    if (!seen_) ++started_, seen_ = true;
    if (inner_) inner_->on_stamped_body(bytes, ts, source);
  }
  void on_transport(const metrics::TransportRecord& info) override {
    if (inner_) inner_->on_transport(info);
  }
  void on_complete(std::optional<TransportError> error) override {
    if (inner_) inner_->on_complete(std::move(error));
  }
  std::size_t& started_;
  std::unique_ptr<ResponseHandler> inner_;
  bool seen_ = false;
};

}  // namespace

std::size_t heap_in_use() {
  const struct mallinfo2 mi = ::mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

std::optional<IdleStreams> measure_idle_streams(uint16_t port, std::size_t n, double timeout_s,
                                                metrics::TimestampSource clock,
                                                std::function<std::unique_ptr<ResponseHandler>()> inner) {
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
    client.submit(std::move(r), std::make_unique<FirstBytes>(started, inner ? inner() : nullptr));
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
