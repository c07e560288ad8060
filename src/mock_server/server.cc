// Boost.Asio + Beast with C++20 coroutines: one coroutine per connection, one
// io_context shared by --threads threads. Requests are read with Beast's
// parser; responses are Scripts (responder.h) written as raw bytes on their
// absolute deadlines (arrival + offset, steady_timer::expires_at, no drift).
#include "mock_server/server.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>
#include <utility>  // before Boost.Asio: 1.74 coroutine support needs it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <fmt/format.h>

#include "mock_server/metrics.h"
#include "mock_server/ollama_format.h"
#include "mock_server/openai_format.h"
#include "mock_server/record.h"
#include "mock_server/responder.h"
#include "transport/stamped_socket.h"

namespace aiperf::mock_server {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::size_t kCoalesceLimit = 64 * 1024;

struct State {
  State(const Options& o, std::unique_ptr<Recorder> r)
      : options(o), behavior(o.behavior), cache(o.prefix_cache), recorder(std::move(r)), metrics(o.gpus) {}
  Options options;
  Behavior behavior;
  PrefixCache cache;
  std::unique_ptr<Recorder> recorder;
  std::atomic<std::uint64_t> next_id{0};
  std::atomic<std::uint64_t> next_connection{0};
  ServerMetrics metrics;
};

// Feeds GET /metrics from one generating request's writes.
struct TokenObserver {
  ServerMetrics& metrics;
  const std::string& model;
  int prompt_tokens = 0;
  Clock::time_point arrival;
  bool first_seen = false;
  void before_write(int tokens) {
    if (tokens <= 0) return;
    if (!first_seen) {
      first_seen = true;
      metrics.first_token(model, prompt_tokens, std::chrono::duration<double>(Clock::now() - arrival).count());
    }
    metrics.tokens_generated(model, tokens);
  }
};

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

Clock::time_point deadline(Clock::time_point arrival, double ms) {
  return arrival + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

// Printable ASCII only, bounded: safe in a header line and in JSON.
std::string sanitize(std::string_view s, std::size_t max = 200) {
  std::string out;
  for (char c : s.substr(0, max)) {
    if (c > 0x20 && c < 0x7f) out.push_back(c);
  }
  return out;
}

// Bound on per-token send times kept in one record (memory of --max-records records).
constexpr std::size_t kMaxRecordedTokenTimes = 100000;

struct Executed {
  int tokens = 0;
  std::optional<double> first_token_ms;
  std::optional<double> last_token_ms;
  std::vector<double> token_ms;  // completed write of each token (coalesced tokens share a time)
  std::optional<double> last_write_ms;  // when the last write was issued: the client cannot have finished before
  bool failed = false;
  std::optional<ServerTiming> timing;  // reported with --server-timing, as sent
};

// Server timing: token writes' send times, and the slot of the write that reports them.
struct TimingTrack {
  double started_ms = 0;
  std::optional<double> first_ms, last_ms;
  void before_send(Write& w, Clock::time_point arrival, Executed& done) {
    const double now = ms_between(arrival, Clock::now());
    if (w.tokens > 0) {
      if (!first_ms) first_ms = now;
      last_ms = now;
    }
    if (w.timing == TimingSlot::none) return;
    ServerTiming t = measure_timing(w, started_ms, first_ms, last_ms, now);
    auto round3 = [](double v) { return std::round(v * 1000) / 1000; };  // as the value prints them
    t = {round3(t.queue_ms), round3(t.prefill_ms), round3(t.decode_ms)};
    fill_timing_slot(w, t);
    done.timing = t;
  }
};

// Whether the client has already closed its end (FIN or RST queued), without consuming
// anything: a pipelined next request reads as "open". A write to a closed peer succeeds
// once (the RST comes after it), so a late single write would otherwise not see the close.
bool peer_has_closed(tcp::socket& sock) {
  char byte;
  const ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// Writes a script on its deadlines. Writes already due are coalesced into one
// send (each keeps its own chunk framing), so --fast costs few syscalls.
net::awaitable<Executed> execute(tcp::socket& sock, net::steady_timer& timer, Script& script,
                                 Clock::time_point arrival, TokenObserver* observer = nullptr) {
  Executed done;
  TimingTrack track;
  track.started_ms = ms_between(arrival, Clock::now());
  error_code ec;
  Write w;
  bool have = script.next(w);
  std::string buf;
  while (have) {
    const auto due = deadline(arrival, w.at_ms);
    if (due > Clock::now()) {
      timer.expires_at(due);
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      if (peer_has_closed(sock)) {  // gone while we waited: stop, as a real server aborts
        done.failed = true;
        break;
      }
    }
    buf.clear();
    int tokens = 0;
    do {
      track.before_send(w, arrival, done);
      buf += w.bytes;
      tokens += w.tokens;
      have = script.next(w);
    } while (have && buf.size() < kCoalesceLimit && deadline(arrival, w.at_ms) <= Clock::now());
    if (observer) observer->before_write(tokens);
    done.last_write_ms = ms_between(arrival, Clock::now());
    co_await net::async_write(sock, net::buffer(buf), net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      done.failed = true;
      break;
    }
    if (tokens > 0) {
      const double t = ms_between(arrival, Clock::now());
      if (!done.first_token_ms) done.first_token_ms = t;
      done.last_token_ms = t;
      done.tokens += tokens;
      if (done.token_ms.size() < kMaxRecordedTokenTimes) done.token_ms.insert(done.token_ms.end(), tokens, t);
    }
  }
  co_return done;
}

// Keeps a stalled connection open until the peer closes it (or the server stops).
net::awaitable<void> wait_for_close(tcp::socket& sock) {
  char scratch[1024];
  error_code ec;
  while (!ec) {
    co_await sock.async_read_some(net::buffer(scratch), net::redirect_error(net::use_awaitable, ec));
  }
}

Script admin_response(State& st, Route route, const Exchange& ex) {
  switch (route) {
    case Route::health: return make_json(200, R"({"status":"ok"})", ex);
    case Route::models: {
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      return make_json(200, models_response(st.options.models, now), ex);
    }
    case Route::ollama_tags: return make_json(200, ollama_tags_response(st.options.models), ex);
    case Route::ollama_version: return make_json(200, R"({"version":"0.5.7"})", ex);
    case Route::mock_records: return make_json(200, st.recorder->records_json(), ex);
    case Route::mock_stats: return make_json(200, st.recorder->stats_json(), ex);
    case Route::metrics: return make_text(200, "text/plain; version=0.0.4; charset=utf-8", st.metrics.render(), ex);
    case Route::mock_reset:
      st.recorder->reset();
      st.behavior.reset();
      st.cache.reset();
      return make_json(200, R"({"status":"reset"})", ex);
    default: return make_error(route, 500, "internal routing error", ex);
  }
}

// The client's "address:port" (IPv6 in brackets), or "" once the socket is gone.
std::string peer_of(const tcp::socket& sock) {
  error_code ec;
  const auto remote = sock.remote_endpoint(ec);
  if (ec) return {};
  const auto address = remote.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" + std::to_string(remote.port());
}

net::awaitable<Ending> handle(State& st, tcp::socket& sock, net::steady_timer& timer,
                              const http::request<http::string_body>& req, Clock::time_point arrival,
                              std::uint64_t connection) {
  // The wall-clock time of `arrival` (which may be the kernel's, before this thread woke), so
  // arrival_unix_ms + duration_ms ends where the request did.
  const auto wall = std::chrono::system_clock::now() -
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(Clock::now() - arrival);
  const std::string_view target = sv(req.target());
  const Route route = route_for(sv(req.method_string()), target);
  Exchange ex;
  ex.arrival = wall;
  ex.keep_alive = req.keep_alive();
  ex.http10 = req.version() == 10;
  ex.server_timing = st.options.server_timing;
  const HeaderLookup header = [&req](std::string_view name) -> std::optional<std::string_view> {
    auto it = req.find(boost::beast::string_view(name.data(), name.size()));
    if (it == req.end()) return std::nullopt;
    return sv(it->value());
  };

  if (!is_recorded(route)) {
    Script s = admin_response(st, route, ex);
    const Executed e = co_await execute(sock, timer, s, arrival);
    co_return e.failed ? Ending::close : s.ending();
  }

  st.recorder->arrive();
  Record rec;
  if (auto id = header("x-request-id"); id && !sanitize(*id).empty()) {
    rec.request_id = sanitize(*id);
  } else {
    rec.request_id = fmt::format("mock-{}", st.next_id.fetch_add(1, std::memory_order_relaxed));
  }
  ex.request_id = rec.request_id;
  rec.peer = peer_of(sock);
  rec.connection = connection;
  if (st.options.echo_auth_in_errors) {  // as a careless server does: the key in the error body
    for (std::string_view name : {"authorization", "x-api-key"}) {
      if (auto value = header(name)) ex.echoed_credentials += fmt::format(" ({}: {})", name, *value);
    }
  }
  rec.method = sanitize(sv(req.method_string()), 16);
  rec.route = sanitize(target.substr(0, target.find('?')));
  if (st.options.record_bodies) rec.body = req.body();
  rec.arrival_unix_ms =
      std::chrono::duration<double, std::milli>(wall.time_since_epoch()).count();

  std::optional<Script> script;
  if (route == Route::not_found) {
    rec.error = fmt::format("unknown route {} {}", rec.method, rec.route);
    // Under /api/ the client is an Ollama client: answer in Ollama's error shape.
    const bool ollama_path = rec.route.rfind("/api/", 0) == 0;
    script.emplace(make_error(ollama_path ? Route::ollama_chat : route, 404, rec.error, ex));
  } else if (route == Route::bad_method) {
    rec.error = fmt::format("method {} not allowed on {}", rec.method, rec.route);
    script.emplace(make_error(route, 405, rec.error, ex));
  } else if (auto parsed = parse_request(route, req.body(), st.options.defaults); !parsed) {
    rec.error = parsed.error().message;
    script.emplace(make_error(route, parsed.error().status, rec.error, ex, parsed.error().param));
  } else if (auto overrides = parse_overrides(header); !overrides) {
    rec.model = parsed->model;
    rec.error = overrides.error().message;
    script.emplace(make_error(route, 400, rec.error, ex));
  } else {
    Plan plan = st.behavior.next(*overrides);
    const CacheLookup hit = st.cache.lookup_and_insert(parsed->prompt_ids);
    if (st.cache.enabled()) parsed->cached_prompt_tokens = hit.cached_tokens;
    plan.ttft_ms += st.behavior.prefill_ms(parsed->prompt_tokens - hit.cached_tokens, *overrides);
    rec.cached_tokens = hit.cached_tokens;
    rec.cache_hit_blocks = hit.hit_blocks;
    rec.cache_miss_blocks = hit.miss_blocks;
    rec.model = parsed->model;
    rec.stream = parsed->stream;
    rec.prompt_tokens = parsed->prompt_tokens;
    rec.planned_tokens = route == Route::embeddings ? 0 : parsed->output_tokens;
    rec.fault = plan.fault;
    rec.ttft_ms = plan.ttft_ms;
    rec.itl_ms = plan.itl_ms;
    script.emplace(make_script(*parsed, plan, ex));
  }
  rec.status = script->status();

  const bool generating = rec.status == 200 && !rec.model.empty();
  TokenObserver observer{st.metrics, rec.model, rec.prompt_tokens, arrival};
  if (generating) st.metrics.request_started(rec.model);
  const Executed e = co_await execute(sock, timer, *script, arrival, generating ? &observer : nullptr);
  Ending ending = script->ending();
  if (e.failed) {
    rec.client_closed = true;
    ending = Ending::close;
  } else if (ending == Ending::reset) {
    error_code ec;
    sock.set_option(net::socket_base::linger(true, 0), ec);
    sock.close(ec);
  } else if (ending == Ending::stall) {
    co_await wait_for_close(sock);
    rec.client_closed = true;
  }
  rec.completion_tokens = e.tokens;
  rec.first_token_ms = e.first_token_ms;
  rec.last_token_ms = e.last_token_ms;
  rec.last_write_ms = e.last_write_ms;
  rec.token_ms = std::move(e.token_ms);
  if (e.timing) rec.server_timing = ServerTimingSent{e.timing->queue_ms, e.timing->prefill_ms, e.timing->decode_ms};
  rec.duration_ms = ms_between(arrival, Clock::now());
  if (generating) {
    if (!observer.first_seen) st.metrics.first_token(rec.model, rec.prompt_tokens, rec.duration_ms / 1000);
    st.metrics.request_finished(rec.model, rec.duration_ms / 1000, !rec.client_closed && rec.fault == Fault::none,
                                rec.completion_tokens >= rec.planned_tokens ? "length" : "stop");
  }
  if (st.options.verbose) {
    fmt::print(stderr, "{} {} {} status={} fault={} tokens={} {:.1f}ms\n", rec.request_id, rec.method, rec.route,
               rec.status, to_string(rec.fault), rec.completion_tokens, rec.duration_ms);
  }
  st.recorder->finish(std::move(rec));
  co_return ending;
}

// When the request's last bytes reached this machine: the kernel's receive stamp of the read
// that completed it, so a late wake-up of this thread counts in the response's timing (as it
// does in what a client sees) instead of shifting the schedule unseen. Now, without a stamp.
Clock::time_point arrival_time(const aiperf::transport::detail::StampedSocket& reader) {
  if (reader.kernel_ns() <= 0) return Clock::now();
  return std::min(Clock::now(), Clock::time_point(std::chrono::nanoseconds(reader.kernel_ns())));
}

net::awaitable<void> session(std::shared_ptr<State> st, tcp::socket accepted) {
  aiperf::transport::detail::StampedSocket reader(std::move(accepted));
  reader.enable_kernel_timestamps();
  tcp::socket& sock = reader.socket;
  error_code ec;
  sock.set_option(tcp::no_delay(true), ec);
  boost::beast::flat_buffer buffer;
  net::steady_timer timer(sock.get_executor());
  const std::uint64_t connection = st->next_connection.fetch_add(1, std::memory_order_relaxed);
  try {
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(64 * 1024);
      parser.body_limit(64 * 1024 * 1024);
      co_await http::async_read(reader, buffer, parser, net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        if (ec.category() == http::make_error_code(http::error::end_of_stream).category() && ec != http::error::end_of_stream &&
            ec != http::error::partial_message) {
          // Unreadable HTTP: answer and close.
          int status = 400;
          if (ec == http::error::body_limit) status = 413;
          if (ec == http::error::header_limit) status = 431;
          Exchange ex;
          ex.keep_alive = false;
          Script s = make_error(Route::not_found, status, "malformed HTTP request: " + ec.message(), ex);
          co_await execute(sock, timer, s, Clock::now());
        }
        break;
      }
      const auto arrival = arrival_time(reader);
      const Ending ending = co_await handle(*st, sock, timer, parser.get(), arrival, connection);
      if (ending != Ending::keep_alive) break;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "aiperf-mock-server: connection error: {}\n", e.what());
  }
  if (sock.is_open()) {
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }
}

net::awaitable<void> listener(std::shared_ptr<State> st, tcp::acceptor acceptor) {
  net::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    error_code ec;
    tcp::socket sock = co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
      // Typically EMFILE: let connections drain instead of spinning.
      fmt::print(stderr, "aiperf-mock-server: accept: {}\n", ec.message());
      backoff.expires_after(std::chrono::milliseconds(10));
      co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    auto ex = sock.get_executor();
    net::co_spawn(ex, session(st, std::move(sock)), net::detached);
  }
}

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

int run_server(const Options& options) {
  raise_fd_limit();
  auto recorder = Recorder::open(options.record_path, options.max_records);
  if (!recorder) {
    fmt::print(stderr, "aiperf-mock-server: {}\n", recorder.error().message);
    return 1;
  }
  auto st = std::make_shared<State>(options, std::move(*recorder));
  net::io_context ioc(options.threads);

  error_code ec;
  tcp::endpoint endpoint;
  if (auto addr = net::ip::make_address(options.host, ec); !ec) {
    endpoint = tcp::endpoint(addr, static_cast<unsigned short>(options.port));
  } else {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || results.empty()) {
      fmt::print(stderr, "aiperf-mock-server: cannot resolve host '{}': {}\n", options.host, ec.message());
      return 1;
    }
    endpoint = results.begin()->endpoint();
  }
  tcp::acceptor acceptor(ioc);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(4096, ec);
  if (ec) {
    fmt::print(stderr, "aiperf-mock-server: cannot listen on {}:{}: {}\n", options.host, options.port, ec.message());
    return 1;
  }
  const auto local = acceptor.local_endpoint();

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](const error_code&, int) { ioc.stop(); });
  net::co_spawn(ioc, listener(st, std::move(acceptor)), net::detached);

  fmt::print("listening on {}:{}\n", local.address().to_string(), local.port());
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (int i = 1; i < options.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  // Stopping: destroying the signal_set below restores the default action, so
  // a second SIGTERM/SIGINT (a supervisor insisting) would kill the process
  // mid-teardown with status 143. Block them for the rest of the process.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return 0;
}

}  // namespace aiperf::mock_server
