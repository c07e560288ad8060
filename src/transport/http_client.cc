// The only translation unit of aiperf_http that sees Boost.Asio/Beast and OpenSSL.
//
// One io_context run by one thread (concurrency hint UNSAFE_IO: no per-socket locks). A Connection is a
// socket (a StampedSocket: kernel receive timestamps), optionally an
// ssl::stream over it, a deadline timer, a read buffer and the response's framing
// (response_head.h: the head parsed in place, the header fields and every decoded
// body slice handed straight to the request's handler as views into the read buffer: no
// copy, no per-field or per-chunk allocation). A plain connection reads with one recvmsg
// when its write completes or readiness comes, and waits for readability with no buffer
// posted (no FIONREAD); a TLS one reads through the stream. The timestamp is taken as the
// first thing after each read (or is the kernel's receive time of that read), and the
// bytes of that read are then parsed, decoded (gzip/deflate) and delivered with it.
//
// TLS: one SSL_CTX per client (verification, CA file, client certificate,
// ALPN "http/1.1"); each connection gets SNI and host-name checking; the
// newest session ticket of each server is kept and offered on every new
// connection to it, so reconnects resume. The handshake runs before on_sent, under the connect
// deadline; its duration is reported per request (TransportRecord).
//
// Lifetimes: connections are shared_ptrs captured by their pending
// operations; the pool keeps idle ones in `OriginState::idle` (or their Session) and busy ones in `active_`.
// An operation's completion is the only place a request finishes (timeouts and
// cancellation close the socket, which completes the pending operation with
// operation_aborted), so a request never finishes while an operation still
// references its buffers, and finishes exactly once.
#include "transport/http_client.h"

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <limits>
#include <list>
#include <stdexcept>
#include <unordered_map>
#include <utility>  // before Boost.Asio: 1.74 coroutine support needs it

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "transport/content_decoder.h"
#include "transport/read_first.h"
#include "transport/response_head.h"
#include "transport/stamped_socket.h"

namespace aiperf::transport {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using boost::system::error_code;

// Plain connections wait for readability with no read buffer posted, then read once into a
// buffer borrowed from the client's spares (kReadChunk): a connection waiting for bytes holds no
// buffer, so an idle stream costs none (src/transport/README.md, "Memory per connection").
constexpr std::size_t kReadChunk = 16 * 1024;
// Reads of a full buffer in a row before the connection lets the others run.
constexpr int kReadsPerTurn = 4;
// A partial response head kept across a wait moves to a buffer of its own size when the borrowed
// one is larger than this.
constexpr std::size_t kKeptPartial = 4096;
// Spares beyond this are freed: as many connections can wake in one reactor batch as are open.
constexpr std::size_t kMaxSpareBuffers = 64;
// A plain connection idle longer than this is checked with MSG_PEEK before reuse: a server's idle
// close (keep-alive timeouts are seconds) never fails a request. One reused sooner (a closed loop's
// next request) skips the system call; a close right after a response is left to the
// stale-connection retry. TLS connections are always checked.
constexpr int64_t kPeekAfterIdleNs = 100'000'000;
// A connection keeps the field list (views, 32 bytes each) of responses with up to this many fields.
constexpr std::size_t kKeptHeaderFields = 16;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// ASCII case-insensitive (field names are ASCII; std::tolower would follow the locale).
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// Plain loops: std::all_of through a function pointer and find_first_of (a memchr per byte)
// cost ~1k instructions a request here.
bool is_token(std::string_view s) {
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return !s.empty();
}

// Why a request cannot be put on the wire, or "" if it can.
std::string invalid_request(const HttpRequest& r) {
  if (!is_token(r.method)) return "invalid request: bad method '" + r.method + "'";
  if (r.target.empty()) return "invalid request: empty target";
  if (has_space_or_control(r.target)) return "invalid request: whitespace or control character in target";
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name)) return "invalid request: bad header name '" + name + "'";
    if (has_cr_lf_or_nul(value)) {
      return "invalid request: CR, LF or NUL in the value of header '" + name + "'";
    }
  }
  return {};
}

bool method_has_body(std::string_view m) { return m == "POST" || m == "PUT" || m == "PATCH"; }

// Handler calls: a throwing handler terminates (documented in the header).
void call_sent(ResponseHandler& h, int64_t ts) noexcept { h.on_sent(ts); }
void call_headers(ResponseHandler& h, int status, std::span<const HeaderField> f, int64_t ts) noexcept {
  h.on_headers(status, f, ts);
}
void call_body(ResponseHandler& h, std::string_view b, int64_t ts, metrics::TimestampSource src) noexcept {
  h.on_stamped_body(b, ts, src);
}
void call_transport(ResponseHandler& h, const metrics::TransportRecord& r) noexcept { h.on_transport(r); }
void call_complete(ResponseHandler& h, std::optional<TransportError> e) noexcept { h.on_complete(std::move(e)); }

struct Exchange {
  HttpRequest request;
  std::unique_ptr<ResponseHandler> handler;
  metrics::TransportRecord record;
  bool holds_session = false;  // kStickySessions: this request has its session's turn
};

enum class Abort : uint8_t { kNone, kTimeout, kCancelled, kPlannedCancel };
enum class Phase : uint8_t { kConnect, kHandshake, kWrite, kRead };

using TlsStream = ssl::stream<detail::StampedSocket&>;

struct Connection {
  explicit Connection(net::io_context& ioc) : sock(ioc), socket(sock.socket), timer(ioc) {}
  detail::StampedSocket sock;
  tcp::socket& socket;                // sock.socket
  std::unique_ptr<TlsStream> tls;     // set for https (apart: a plain connection does not carry its 352 bytes)
  net::steady_timer timer;
  beast::flat_buffer buffer;
  ResponseHeadParser head_parser;  // of the current response, until its head is complete
  BodyDecoder body;                // then its body framing
  std::unique_ptr<Exchange> exchange;
  std::string head;                      // serialized request head (released once the response head arrived)
  std::vector<HeaderField> header_view;  // the response's fields for on_headers() (views), cleared after it
  std::size_t active_index = 0;
  std::size_t origin = 0;  // index into Impl::origins_
  uint64_t session = 0;    // kStickySessions: the session key this connection belongs to (0 = pooled)
  uint64_t timer_seq = 0;  // bumped at every arm/disarm: a stale expiry is ignored
  uint64_t served = 0;     // responses completed on this connection
  Abort abort = Abort::kNone;
  Phase phase = Phase::kConnect;
  bool headers_reported = false;
  bool setup_reported = false;  // connect/handshake durations went to the first request
  bool close_after = false;  // the request asked for Connection: close
  bool head_request = false;  // the request is HEAD: the response has no body
  bool keep_alive = false;   // the response head allows another request on the connection
  bool drained = true;       // plain: the latest read left the socket's receive queue empty
  int64_t idle_since = 0;    // when the connection last went idle
  int status = 0;
  int64_t read_ts = 0;
  metrics::TimestampSource read_source = metrics::TimestampSource::kUser;
  int64_t connect_start_ns = 0;
  std::optional<int64_t> connect_ns;        // of this connection, reported by its first request
  std::optional<int64_t> handshake_ns;
  std::optional<ContentDecoder> decoder;    // of the current response
  std::string decode_error;
  std::array<unsigned char, 9> prefix{};    // first response bytes: an HTTP/2 frame header is recognised
  std::size_t prefix_size = 0;
  uint64_t body_bytes = 0;
  uint64_t decoded_bytes = 0;  // body bytes after gzip/deflate decoding
  uint64_t response_bytes = 0;
  std::chrono::milliseconds deadline{0};
};

using ConnPtr = std::shared_ptr<Connection>;

struct Counter {
  std::atomic<uint64_t> v{0};
  void add(uint64_t n = 1) { v.fetch_add(n, std::memory_order_relaxed); }
  void sub(uint64_t n = 1) { v.fetch_sub(n, std::memory_order_relaxed); }
  void set(uint64_t n) { v.store(n, std::memory_order_relaxed); }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

struct PendingTimer {
  explicit PendingTimer(net::io_context& ioc) : timer(ioc) {}
  net::steady_timer timer;
  std::function<void()> fn;
};

// OpenSSL's reason text for a TLS error code ("certificate verify failed"), plus the
// certificate verification result when that is what failed ("self-signed certificate").
std::string tls_reason(const error_code& ec, SSL* ssl) {
  std::string why;
  if (ec.category() == net::error::get_ssl_category()) {
    const char* r = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    why = r != nullptr ? r : ec.message();
  } else if (ec == ssl::error::stream_truncated || ec == net::error::eof) {
    why = "the server closed the connection during the handshake";
  } else {
    why = ec.message();
  }
  if (ssl != nullptr) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) why += std::string(": ") + X509_verify_cert_error_string(verify);
  }
  if (ec.category() == net::error::get_ssl_category()) {
    const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL) {
      why += " (the server speaks HTTP/2 only; aiperf speaks HTTP/1.1)";
    } else if (reason == SSL_R_WRONG_VERSION_NUMBER) {
      why += " (is the server speaking plain HTTP? then use an http:// URL)";
    }
  }
  return why;
}

// The newest OpenSSL error of the calling thread as text, clearing the queue.
std::string openssl_last_error(const error_code& ec) {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e != 0) {
    const char* r = ERR_reason_error_string(e);
    if (r != nullptr) return r;
  }
  return ec.message();
}

// Loads verification, client certificate and ALPN settings into `ctx`.
std::optional<TransportError> configure_tls(const TlsOptions& t, ssl::context& ctx) {
  const auto tls_error = [](std::string m) { return TransportError{TransportErrorKind::kTls, std::move(m)}; };
  error_code ec;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                  ec);
  if (t.verify) {
    if (t.ca_file.empty()) {
      ctx.set_default_verify_paths(ec);
      if (ec) return tls_error("cannot load the system CA store: " + openssl_last_error(ec));
    } else {
      ctx.load_verify_file(t.ca_file, ec);
      if (ec) return tls_error("cannot load CA file '" + t.ca_file + "': " + openssl_last_error(ec));
    }
    ctx.set_verify_mode(ssl::verify_peer, ec);
  } else {
    ctx.set_verify_mode(ssl::verify_none, ec);
  }
  if (!t.client_cert.empty()) {
    ctx.use_certificate_chain_file(t.client_cert, ec);
    if (ec) return tls_error("cannot load client certificate '" + t.client_cert + "': " + openssl_last_error(ec));
    const std::string& key = t.client_key.empty() ? t.client_cert : t.client_key;
    ctx.use_private_key_file(key, ssl::context::pem, ec);
    if (ec) return tls_error("cannot load client key '" + key + "': " + openssl_last_error(ec));
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
      ERR_clear_error();
      return tls_error("client key '" + key + "' does not match certificate '" + t.client_cert + "'");
    }
  } else if (!t.client_key.empty()) {
    return tls_error("a client key was given without a client certificate");
  }
  static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx.native_handle(), kAlpn, sizeof kAlpn);
  return std::nullopt;
}

// True when the first bytes of a "response" are an HTTP/2 SETTINGS or GOAWAY frame header on stream 0.
bool looks_like_http2(const std::array<unsigned char, 9>& p, std::size_t n) {
  if (n < p.size()) return false;
  const bool control_type = p[3] == 0x04 || p[3] == 0x07;
  const bool stream0 = (p[5] & 0x7f) == 0 && p[6] == 0 && p[7] == 0 && p[8] == 0;
  return p[0] == 0 && control_type && stream0;
}

// A server of the client: where it is and its idle keep-alive connections.
struct OriginState {
  std::string host;
  uint16_t port = 0;
  tcp::resolver::results_type endpoints;
  std::string resolve_error;
  std::string host_header;  // "host:port", also the name in error messages
  std::string server_name;  // SNI and the name the certificate must carry
  std::vector<ConnPtr> idle;
  SSL_SESSION* session = nullptr;  // newest session ticket of this server, offered on reconnect (owned)
  // --source-address: each server takes the addresses in turn on its own, so every (address, server)
  // pair carries connections (one turn for all servers would bind server k of 2 to address k of 2).
  std::size_t next_source = 0;
};

// kStickySessions: one conversation's connection and the turns waiting for it.
struct Session {
  ConnPtr conn;  // open (busy or idle) or null
  std::deque<std::unique_ptr<Exchange>> waiting;
  bool busy = false;    // a request of the session holds its turn
  bool ending = false;  // end_session() came while busy: close after the last turn
};

constexpr std::string_view kHttp2Only =
    "the server speaks HTTP/2 only; aiperf speaks HTTP/1.1 (it answered with an HTTP/2 frame instead of a status line)";

}  // namespace

std::optional<std::string_view> find_header(std::span<const HeaderField> headers, std::string_view name) {
  for (const auto& f : headers) {
    if (iequals(f.name, name)) return f.value;
  }
  return std::nullopt;
}

std::string_view transport_error_kind_name(TransportErrorKind kind) {
  switch (kind) {
    case TransportErrorKind::kConnect: return "connect";
    case TransportErrorKind::kTimeout: return "timeout";
    case TransportErrorKind::kIo: return "io";
    case TransportErrorKind::kProtocol: return "protocol";
    case TransportErrorKind::kCancelled: return "cancelled";
    case TransportErrorKind::kTls: return "tls";
  }
  return "io";
}

class HttpClient::Impl {
 public:
  explicit Impl(ClientOptions o) : options_(std::move(o)), guard_(net::make_work_guard(ioc_)) {
    if (options_.max_connections == 0) options_.max_connections = 1;
    raise_fd_limit();
    add_origin(options_.host, options_.port);
    for (const auto& more : options_.more_origins) add_origin(more.host, more.port);
    for (const auto& text : options_.source_addresses) {
      error_code bad;
      sources_.push_back(net::ip::make_address(text, bad));
      if (bad) setup_error_ = TransportError{TransportErrorKind::kConnect, "invalid source address '" + text + "'"};
    }
    if (options_.tls.enabled) {
      tls_ctx_.emplace(ssl::context::tls_client);
      if (auto e = configure_tls(options_.tls, *tls_ctx_)) setup_error_ = std::move(e);
      SSL_CTX* native = tls_ctx_->native_handle();
      SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
      SSL_CTX_sess_set_new_cb(native, &Impl::on_new_session);
    }
  }

  ~Impl() {
    for (auto& o : origins_) {
      if (o.session != nullptr) SSL_SESSION_free(o.session);
    }
  }

  std::optional<TransportError> setup_error() const { return setup_error_; }

  const ClientOptions& options() const { return options_; }

  void submit(HttpRequest&& request, std::unique_ptr<ResponseHandler> handler) {
    if (!handler) throw std::invalid_argument("HttpClient::submit: null handler");
    submitted_.add();
    auto ex = std::make_unique<Exchange>(std::move(request), std::move(handler));  // built in place: one move
    // From the loop thread (the engine's completions and timers) a request that can start starts now:
    // a post would cost a turn of the loop, and an epoll_wait, per request. Not while something posted
    // before it waits (FIFO with post(), cancel_all(), end_session()), and nothing completes inside this
    // call: a refused request is still completed from a posted dispatch.
    if (in_order_waiting_.load(std::memory_order_relaxed) == 0 && ioc_.get_executor().running_in_this_thread() &&
        !refusal(*ex)) {
      return place(std::move(ex));
    }
    post_in_order([this, ex = std::move(ex)]() mutable { dispatch(std::move(ex)); });
  }

  void post(std::function<void()> fn) {
    post_in_order([fn = std::move(fn)]() noexcept { fn(); });
  }

  // Posts work that keeps its order with submit(); counted until it runs, so that a submit() from the
  // loop thread cannot overtake it.
  template <class Fn>
  void post_in_order(Fn&& fn) {
    in_order_waiting_.fetch_add(1, std::memory_order_relaxed);
    net::post(ioc_, [this, fn = std::forward<Fn>(fn)]() mutable {
      in_order_waiting_.fetch_sub(1, std::memory_order_relaxed);
      fn();
    });
  }

  void run_at(int64_t steady_ns, std::function<void()> fn) {
    if (ioc_.get_executor().running_in_this_thread()) {
      schedule(steady_ns, std::move(fn));
    } else {
      net::post(ioc_, [this, steady_ns, fn = std::move(fn)]() mutable { schedule(steady_ns, std::move(fn)); });
    }
  }

  void run() { ioc_.run(); }

  void stop() {
    post_in_order([this] {
      stopping_ = true;
      guard_.reset();
      for (auto& t : timers_) t.timer.cancel();  // pending run_at functions are dropped
    });
  }

  void cancel_all() {
    post_in_order([this] { cancel_now(); });
  }

  void end_session(uint64_t key) {
    post_in_order([this, key] {
      auto it = sessions_.find(key);
      if (it == sessions_.end()) return;
      if (it->second.busy) {
        it->second.ending = true;
        return;
      }
      if (it->second.conn) discard(*it->second.conn);
      sessions_.erase(it);
    });
  }

  // Destructor path: finish everything with `cancelled` on the calling thread.
  void shutdown() {
    post_in_order([this] {
      shutting_down_ = true;
      cancel_now();
      for (auto& o : origins_) {
        for (auto& c : o.idle) close_connection(*c);
        o.idle.clear();
      }
      for (auto& [key, session] : sessions_) {
        if (session.conn && !session.busy) close_connection(*session.conn);
      }
      for (auto& t : timers_) t.timer.cancel();
    });
    guard_.reset();
    ioc_.restart();
    ioc_.run();
  }

  ClientStats stats() const {
    ClientStats s;
    s.submitted = submitted_.get();
    s.completed = completed_.get();
    s.failed = failed_.get();
    s.connections_opened = opened_.get();
    s.tls_handshakes = handshakes_.get();
    s.tls_sessions_resumed = resumed_.get();
    s.connections_reused = reused_.get();
    s.connections_discarded = discarded_.get();
    s.open_connections = open_.get();
    s.peak_open_connections = peak_open_.get();
    s.queued = queued_.get();
    s.peak_queued = peak_queued_.get();
    s.retries = retries_.get();
    s.planned_cancellations = planned_cancels_.get();
    return s;
  }

 private:
  void add_origin(const std::string& host, uint16_t port) {
    OriginState o;
    o.host = host;
    o.port = port;
    const bool v6 = host.find(':') != std::string::npos;
    o.host_header = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    o.server_name = options_.tls.server_name.empty() ? host : options_.tls.server_name;
    tcp::resolver resolver(ioc_);
    error_code ec;
    o.endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::numeric_service, ec);
    if (ec || o.endpoints.empty()) {
      o.resolve_error = "cannot resolve host '" + host + "': " + (ec ? ec.message() : "no address");
    }
    origins_.push_back(std::move(o));
  }

  void raise_fd_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    const rlim_t want = static_cast<rlim_t>(options_.max_connections) + 256;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want) return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want : rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);  // best effort: connects fail with EMFILE (a connect error) otherwise
  }

  void schedule(int64_t steady_ns, std::function<void()> fn) {
    if (shutting_down_ || stopping_) return;
    auto it = timers_.emplace(timers_.end(), ioc_);
    it->fn = std::move(fn);
    it->timer.expires_at(std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::nanoseconds(steady_ns))));
    it->timer.async_wait([this, it](const error_code& ec) {
      auto due = std::move(it->fn);
      timers_.erase(it);
      if (!ec && !shutting_down_ && !stopping_) run_noexcept(due);
    });
  }

  static void run_noexcept(const std::function<void()>& fn) noexcept { fn(); }

  // ---- request lifecycle -------------------------------------------------

  void dispatch(std::unique_ptr<Exchange> ex) {
    if (auto error = refusal(*ex)) return complete(*ex, std::move(*error));
    place(std::move(ex));
  }

  // Why `ex` cannot be sent at all (it then completes with this error), or nullopt.
  std::optional<TransportError> refusal(const Exchange& ex) const {
    if (shutting_down_) return TransportError{TransportErrorKind::kCancelled, "client shut down"};
    if (std::string why = invalid_request(ex.request); !why.empty()) {
      return TransportError{TransportErrorKind::kProtocol, std::move(why)};
    }
    if (setup_error_) return *setup_error_;
    if (ex.request.origin >= origins_.size()) {
      return TransportError{TransportErrorKind::kProtocol, "invalid request: origin " +
                                                               std::to_string(ex.request.origin) + " (the client has " +
                                                               std::to_string(origins_.size()) + ")"};
    }
    const OriginState& origin = origins_[ex.request.origin];
    if (!origin.resolve_error.empty()) return TransportError{TransportErrorKind::kConnect, origin.resolve_error};
    return std::nullopt;
  }

  uint64_t sticky_key(const Exchange& ex) const {
    return options_.reuse == ConnectionReuse::kStickySessions ? ex.request.session_key : 0;
  }

  // Starts `ex` on a usable connection (its session's, an idle one, or a new one) or queues it.
  void place(std::unique_ptr<Exchange> ex) {
    if (const uint64_t key = sticky_key(*ex); key != 0) {
      Session& s = sessions_[key];
      if (s.busy && !ex->holds_session) {
        s.waiting.push_back(std::move(ex));
        return;
      }
      s.busy = true;
      ex->holds_session = true;
      if (s.conn && still_usable(*s.conn)) return start_on(s.conn, std::move(ex));
      if (s.conn) discard(*s.conn);
      s.conn.reset();
    } else if (options_.reuse != ConnectionReuse::kNever) {
      auto& idle = origins_[ex->request.origin].idle;
      while (!idle.empty()) {
        ConnPtr c = std::move(idle.back());
        idle.pop_back();
        if (still_usable(*c)) return start_on(c, std::move(ex));
        discard(*c);
      }
    }
    if (open_.get() < options_.max_connections || evict_idle()) return open_connection(std::move(ex));
    queue_.push_back(std::move(ex));
    queued_.set(queue_.size());
    peak_queued_.set(std::max<uint64_t>(peak_queued_.get(), queue_.size()));
  }

  void start_on(const ConnPtr& c, std::unique_ptr<Exchange> ex) {
    add_active(c);
    reused_.add();
    c->exchange = std::move(ex);
    start_exchange(c);
  }

  // Closes one idle connection (of any server, or a sticky session's) to free a slot; false if none.
  bool evict_idle() {
    for (auto& o : origins_) {
      if (o.idle.empty()) continue;
      discard(*o.idle.back());
      o.idle.pop_back();
      return true;
    }
    for (auto& [key, session] : sessions_) {
      if (session.busy || !session.conn) continue;
      discard(*session.conn);
      session.conn.reset();
      return true;
    }
    return false;
  }

  // An idle keep-alive connection the server closed (FIN/RST) or that has unexpected bytes is not
  // reused: a non-blocking MSG_PEEK tells, for a plain one idle longer than kPeekAfterIdleNs and
  // every TLS one. A close right after a response (before the peek would run) is left to the retry.
  static bool still_usable(Connection& c) {
    if (!c.socket.is_open()) return false;
    if (!c.tls && now_ns() - c.idle_since < kPeekAfterIdleNs) return true;
    char byte;
    const ssize_t r = ::recv(c.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  void open_connection(std::unique_ptr<Exchange> ex) {
    auto c = std::make_shared<Connection>(ioc_);
    open_.add();
    peak_open_.set(std::max(peak_open_.get(), open_.get()));
    opened_.add();
    add_active(c);
    c->origin = ex->request.origin;
    if (ex->holds_session) {
      c->session = ex->request.session_key;
      sessions_[c->session].conn = c;
    }
    c->exchange = std::move(ex);
    c->phase = Phase::kConnect;
    arm_timer(c, options_.connect_timeout, Abort::kTimeout);  // covers the TLS handshake too
    c->connect_start_ns = now_ns();
    auto connected = [this, c](const error_code& ec) {
      if (ec) return fail(c, ec);
      c->connect_ns = now_ns() - c->connect_start_ns;
      error_code ignored;
      c->socket.set_option(tcp::no_delay(true), ignored);
      if (options_.timestamp_source == metrics::TimestampSource::kKernel) c->sock.enable_kernel_timestamps();
      if (tls_ctx_) return start_handshake(c);
      disarm_timer(*c);
      start_exchange(c);
    };
    if (!sources_.empty()) return connect_from_source(c, std::move(connected));
    // Opened here so that EMFILE is named (Asio's range connect reports it as operation_aborted).
    error_code ec;
    c->socket.open(origins_[c->origin].endpoints.begin()->endpoint().protocol(), ec);
    if (ec == net::error::no_descriptors) return fail_soon(c, too_many_files());
    net::async_connect(c->socket, origins_[c->origin].endpoints,
                       [connected](const error_code& e, const tcp::endpoint&) { connected(e); });
  }

  // Completes a request that failed before any operation started, from the loop (never inside the caller).
  void fail_soon(const ConnPtr& c, std::string why) {
    net::post(ioc_, [this, c, why = std::move(why)] {
      if (c->exchange) finish(c, TransportError{TransportErrorKind::kConnect, why}, false);
    });
  }

  // --source-address: bind the socket to the next source address, then connect to the server's first
  // address of the same family. A failure here completes the request later (never inside this call).
  template <class Handler>
  void connect_from_source(const ConnPtr& c, Handler connected) {
    OriginState& origin = origins_[c->origin];
    const net::ip::address& source = sources_[origin.next_source++ % sources_.size()];
    const auto fail_later = [this, c](std::string why) { fail_soon(c, std::move(why)); };
    std::optional<tcp::endpoint> target;
    for (const auto& entry : origin.endpoints) {
      if (entry.endpoint().address().is_v4() == source.is_v4()) {
        target = entry.endpoint();
        break;
      }
    }
    if (!target) return fail_later("no address of " + origin.host_header + " in the family of source " + source.to_string());
    error_code ec;
    c->socket.open(target->protocol(), ec);
    if (!ec) defer_port_to_connect(c->socket);
    if (!ec) c->socket.bind(tcp::endpoint(source, 0), ec);
    if (ec == net::error::no_descriptors) return fail_later(too_many_files());
    if (ec) return fail_later("bind to source address " + source.to_string() + " failed: " + ec.message());
    c->socket.async_connect(*target, std::move(connected));
  }

  // Without this, bind() takes a local port for the source address alone (about 28k connections per
  // address, whatever the server); with it, connect() picks the port for the whole 4-tuple, so one
  // port serves every server (as HAProxy's and nginx's source binding do). Best effort.
  static void defer_port_to_connect(tcp::socket& socket) {
#ifdef IP_BIND_ADDRESS_NO_PORT
    const int on = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
#else
    (void)socket;
#endif
  }

  static std::string too_many_files() {
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    return "connect: too many open files (RLIMIT_NOFILE " +
           (rl.rlim_cur == RLIM_INFINITY ? std::string("unlimited") : std::to_string(rl.rlim_cur)) + ")";
  }

  // SNI and host-name (or IP) checking for this connection, and the cached session to resume.
  void prepare_tls(Connection& c) {
    c.tls = std::make_unique<TlsStream>(c.sock, *tls_ctx_);
    SSL* s = c.tls->native_handle();
    error_code not_ip;
    const std::string& name = origins_[c.origin].server_name;
    net::ip::make_address(name, not_ip);
    if (not_ip) {
      SSL_set_tlsext_host_name(s, name.c_str());
      if (options_.tls.verify) SSL_set1_host(s, name.c_str());
    } else if (options_.tls.verify) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), name.c_str());
    }
    OriginState& origin = origins_[c.origin];  // origins_ never grows after construction: the pointer stays valid
    SSL_set_ex_data(s, origin_slot(), &origin);
    if (options_.tls.resume_sessions && origin.session != nullptr) SSL_set_session(s, origin.session);
  }

  void start_handshake(const ConnPtr& c) {
    c->phase = Phase::kHandshake;
    prepare_tls(*c);
    const int64_t start = now_ns();
    c->tls->async_handshake(ssl::stream_base::client, [this, c, start](const error_code& ec) {
      if (ec) return fail(c, ec);
      disarm_timer(*c);
      c->handshake_ns = now_ns() - start;
      handshakes_.add();
      if (SSL_session_reused(c->tls->native_handle()) == 1) resumed_.add();
      start_exchange(c);
    });
  }

  // The SSL ex_data index that points to the connection's OriginState.
  static int origin_slot() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }

  // OpenSSL hands over each new session (TLS 1.3: each ticket, after the handshake); the newest of each
  // server is kept (a ticket is only good with the server that issued it).
  static int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* origin = static_cast<OriginState*>(SSL_get_ex_data(ssl, origin_slot()));
    if (origin == nullptr) return 0;  // OpenSSL keeps ownership
    if (origin->session != nullptr) SSL_SESSION_free(origin->session);
    origin->session = session;
    return 1;  // we own it now
  }

  // What this request will report about its connection.
  void describe_connection(Connection& c, metrics::TransportRecord& r) {
    r.new_connection = c.served == 0 && !c.setup_reported;
    if (r.new_connection) {
      r.connect_ns = c.connect_ns;
      r.tls_handshake_ns = c.handshake_ns;
      c.setup_reported = true;
    }
    r.tls = c.tls != nullptr;
    if (c.tls) {
      SSL* s = c.tls->native_handle();
      r.tls_version = SSL_get_version(s);
      r.tls_session_resumed = SSL_session_reused(s) == 1;
    }
  }

  void start_exchange(const ConnPtr& c) {
    Exchange& ex = *c->exchange;
    describe_connection(*c, ex.record);
    c->phase = Phase::kWrite;
    c->abort = Abort::kNone;
    c->headers_reported = false;
    c->status = 0;
    c->body_bytes = 0;
    c->decoded_bytes = 0;
    c->response_bytes = 0;
    c->prefix_size = 0;
    c->decoder.reset();
    c->decode_error.clear();
    c->head_request = ex.request.method == "HEAD";
    new_response(*c);
    build_head(*c, ex.request);

    const auto timeout = ex.request.timeout.count() > 0 ? ex.request.timeout : options_.request_timeout;
    c->deadline = timeout;
    const auto cancel = ex.request.cancel_after;
    if (cancel.count() > 0 && (timeout.count() == 0 || cancel < timeout)) {
      arm_timer(c, cancel, Abort::kPlannedCancel);
    } else if (timeout.count() > 0) {
      arm_timer(c, timeout, Abort::kTimeout);
    }

    const int64_t ts = now_ns();
    write_request(c, ex.request.body);
    call_sent(*ex.handler, ts);
  }

  // A plain connection sends the request here and, when the kernel took all of it, goes on at once:
  // a posted write completion would cost a turn of the loop (and an epoll_wait) per request. The
  // rest of a partial send, a full send queue or an error goes to Asio's write, whose completion
  // reports it later (never inside the caller).
  void write_request(const ConnPtr& c, const std::string& body) {
    const std::size_t total = c->head.size() + body.size();
    std::size_t sent = 0;
    if (!c->tls) {
      error_code ec;
      sent = c->sock.send(std::array<net::const_buffer, 2>{net::buffer(c->head), net::buffer(body)}, ec);
      if (sent == total) return written(c, /*inline_send=*/true);
    }
    const std::size_t head_sent = std::min(sent, c->head.size());
    const std::array<net::const_buffer, 2> rest{net::buffer(c->head) + head_sent, net::buffer(body) + (sent - head_sent)};
    auto done = [this, c](const error_code& ec, std::size_t) {
      if (ec) return fail(c, ec);
      written(c, /*inline_send=*/false);
    };
    if (c->tls) {
      net::async_write(*c->tls, rest, std::move(done));
    } else {
      net::async_write(c->socket, rest, std::move(done));
    }
  }

  // The request is out: read its response. After an inline send, a read tried at once is posted, so
  // that no response (and no completion) is handled inside dispatch's caller.
  void written(const ConnPtr& c, bool inline_send) {
    c->phase = Phase::kRead;
    if (c->tls) return read_tls(c);
    if (!read_first_.should_read_first()) return wait_readable(c);
    if (!inline_send) return read_plain(c, /*first_after_send=*/true);
    net::post(ioc_, [this, c] {
      if (c->exchange && c->phase == Phase::kRead) read_plain(c, /*first_after_send=*/true);
    });
  }

  static void new_response(Connection& c) {
    c.head_parser.reset();
    c.header_view.clear();
    c.body = BodyDecoder();
    c.keep_alive = false;
  }

  // Writes pieces at a cursor into a buffer sized for all of them beforehand: a head is ~30
  // pieces, and string::append (a call, a capacity check, a memcpy call each) was ~700
  // instructions of a request.
  struct HeadWriter {
    char* p;
    HeadWriter& operator<<(std::string_view s) {
      std::memcpy(p, s.data(), s.size());
      p += s.size();
      return *this;
    }
  };

  void build_head(Connection& c, const HttpRequest& r) {
    using namespace std::string_view_literals;
    const std::string_view host = origins_[c.origin].host_header;
    const std::string_view accept_encoding = options_.accept_encoding;
    // The request line, the caller's fields and the few the client adds (their names, values and
    // the longest Content-Length are within the constant).
    std::size_t size = r.method.size() + r.target.size() + 160 + host.size() + accept_encoding.size();
    for (const auto& [name, value] : r.headers) size += name.size() + value.size() + 4;
    std::string& h = c.head;
    h.resize(size);  // one allocation (the head is released once the response head arrived)
    HeadWriter w{h.data()};
    w << r.method << " "sv << r.target << " HTTP/1.1\r\n"sv;
    bool has_host = false;
    bool has_connection = false;
    bool has_accept_encoding = false;
    c.close_after = false;
    for (const auto& [name, value] : r.headers) {
      if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;
      if (iequals(name, "host")) has_host = true;
      if (iequals(name, "accept-encoding")) has_accept_encoding = true;
      if (iequals(name, "connection")) {
        has_connection = true;
        if (icontains(value, "close")) c.close_after = true;
      }
      w << name << ": "sv << value << "\r\n"sv;
    }
    if (!has_host) w << "Host: "sv << host << "\r\n"sv;
    if (!r.body.empty() || method_has_body(r.method)) {
      char digits[24];
      const char* end = std::to_chars(digits, digits + sizeof digits, r.body.size()).ptr;
      w << "Content-Length: "sv << std::string_view(digits, static_cast<std::size_t>(end - digits)) << "\r\n"sv;
    }
    if (!has_connection) w << "Connection: keep-alive\r\n"sv;
    if (!has_accept_encoding && !accept_encoding.empty()) w << "Accept-Encoding: "sv << accept_encoding << "\r\n"sv;
    w << "\r\n"sv;
    h.resize(static_cast<std::size_t>(w.p - h.data()));
  }

  // TLS: OpenSSL may hold decrypted bytes the socket no longer shows, so reads go through the stream.
  void read_tls(const ConnPtr& c) {
    c->tls->async_read_some(c->buffer.prepare(kReadChunk), [this, c](const error_code& ec, std::size_t n) {
      if (on_read(c, ec, n)) read_tls(c);
    });
  }

  // Plain: wait for readability holding no read buffer (an empty one is lent to the spares; a
  // partial head is kept, in a buffer of its own size). Asio re-arms the descriptor for the wait
  // (epoll_ctl), which reports bytes that arrived before it too: no readiness is missed.
  void wait_readable(const ConnPtr& c) {
    lend_buffer(*c);
    c->socket.async_wait(tcp::socket::wait_read, [this, c](const error_code& ec) {
      if (ec) return void(on_read(c, ec, 0));
      read_plain(c);
    });
  }

  // Reads what the socket holds (one recvmsg; a short read means it held no more), then waits.
  // `first_after_send`: the read tried right after the request went out (scored in read_first_).
  void read_plain(const ConnPtr& c, bool first_after_send = false) {
    for (int i = 0; i < kReadsPerTurn; ++i) {
      if (!c->socket.is_open()) {  // a timeout or cancellation closed it
        on_read(c, net::error::operation_aborted, 0);
        return;
      }
      borrow_buffer(*c);
      const net::mutable_buffer space = c->buffer.prepare(kReadChunk);
      error_code ec;
      const std::size_t n = c->sock.receive(space, ec);
      if (first_after_send && i == 0) {
        if (ec == net::error::would_block) read_first_.found_nothing();
        else read_first_.found();
      }
      if (ec == net::error::would_block) return wait_readable(c);
      c->drained = n < space.size();
      if (!on_read(c, ec, n)) return;
      if (c->drained) return wait_readable(c);  // the receive queue was empty at this read
    }
    // A fast sender: let the other connections run, then read on (a read first, not a wait).
    net::post(ioc_, [this, c] {
      if (c->exchange) read_plain(c);
    });
  }

  // A connection holds a read buffer only while reading (or with a partial head).
  void borrow_buffer(Connection& c) {
    if (c.buffer.size() == 0 && c.buffer.capacity() == 0 && !spare_buffers_.empty()) {
      c.buffer = std::move(spare_buffers_.back());
      spare_buffers_.pop_back();
    }
  }

  void lend_buffer(Connection& c) {
    if (c.buffer.capacity() == 0) return;
    if (c.buffer.size() > 0) {
      if (c.buffer.capacity() <= kKeptPartial) return;
      beast::flat_buffer own;  // a partial head: keep just its bytes
      own.commit(net::buffer_copy(own.prepare(c.buffer.size()), c.buffer.data()));
      std::swap(own, c.buffer);
      own.clear();
      if (spare_buffers_.size() < kMaxSpareBuffers) spare_buffers_.push_back(std::move(own));
      return;
    }
    if (spare_buffers_.size() < kMaxSpareBuffers) spare_buffers_.push_back(std::move(c.buffer));
    else c.buffer.shrink_to_fit();  // empty: frees it
    c.buffer = beast::flat_buffer();
  }

  // Picks the read's timestamp (kernel receive time when there is one) and records the lateness.
  // Stamps never go back on a connection: bytes read later arrived later, but a kernel stamp is
  // converted with the clock offset sampled at its own read, and the jitter of that offset could
  // put a read's stamp microseconds before the previous one's (a first token after the last).
  void stamp_read(Connection& c, int64_t user_ts) {
    const int64_t previous = c.read_ts;
    stamp_read_unordered(c, user_ts);
    c.read_ts = std::max(c.read_ts, previous);
  }

  void stamp_read_unordered(Connection& c, int64_t user_ts) {
    metrics::TransportRecord& r = c.exchange->record;
    ++r.reads;
    const int64_t kernel = c.sock.kernel_ns();
    if (kernel != 0 && kernel <= user_ts) {
      c.read_ts = kernel;
      c.read_source = metrics::TimestampSource::kKernel;
      ++r.kernel_stamped_reads;
      r.max_read_lateness_ns = std::max(r.max_read_lateness_ns, user_ts - kernel);
      r.total_read_lateness_ns += user_ts - kernel;
    } else {
      c.read_ts = user_ts;
      c.read_source = metrics::TimestampSource::kUser;
      ++r.user_stamped_reads;
    }
  }

  // Keeps the first response bytes, to recognise an HTTP/2 server.
  static void keep_prefix(Connection& c, std::size_t n) {
    if (c.prefix_size >= c.prefix.size()) return;
    const auto data = c.buffer.data();
    const auto* end = static_cast<const unsigned char*>(data.data()) + data.size();
    for (const auto* p = end - n; p < end && c.prefix_size < c.prefix.size(); ++p) c.prefix[c.prefix_size++] = *p;
  }

  // Sets up body decoding from Content-Encoding; false (and the request failed) if it cannot be decoded.
  bool start_decoding(const ConnPtr& c, std::string_view value) {
    const auto encoding = parse_content_encoding(value);
    if (!encoding) {
      finish(c, TransportError{TransportErrorKind::kProtocol,
                               "the server sent Content-Encoding: " + std::string(value) +
                                   ", which aiperf cannot decode (it decodes gzip and deflate)"},
             false);
      return false;
    }
    c->exchange->record.content_encoding = std::string(content_encoding_name(*encoding));
    if (*encoding != ContentEncoding::kIdentity) c->decoder.emplace(*encoding);
    return true;
  }

  // The outcome of one read (n bytes committed to the buffer, or the error); true while the response
  // needs more bytes, false once the request finished.
  bool on_read(const ConnPtr& c, const error_code& ec, std::size_t n) {
    const int64_t user_ts = now_ns();
    if (ec) {
      const bool eof = ec == net::error::eof || ec == ssl::error::stream_truncated;
      if (eof && c->abort == Abort::kNone && c->headers_reported && c->body.until_close()) {
        finish(c, std::nullopt, false);  // a body delimited by the end of the connection: EOF completes it
        return false;
      }
      fail(c, ec);
      return false;
    }
    stamp_read(*c, user_ts);
    c->buffer.commit(n);
    keep_prefix(*c, n);
    c->response_bytes += n;
    if (options_.max_response_bytes != 0 && c->response_bytes > options_.max_response_bytes) {
      finish(c,
             TransportError{TransportErrorKind::kProtocol,
                            "response larger than the bound of " + std::to_string(options_.max_response_bytes) +
                                " bytes (--max-response-bytes); connection closed" + progress(*c)},
             false);
      return false;
    }
    if (!c->headers_reported && !parse_head(c, c->read_ts)) return false;
    if (!c->headers_reported) return true;
    const auto data = c->buffer.data();
    std::string_view in(static_cast<const char*>(data.data()), data.size());
    while (!in.empty() && !c->body.done()) {
      auto piece = c->body.next(in);
      if (!piece) return malformed(c, piece.error().message);
      if (!piece->empty() && !deliver(*c, *piece)) return malformed(c, c->decode_error);
    }
    c->buffer.consume(data.size() - in.size());
    if (!c->body.done()) return true;
    // Reusable only with the socket drained: bytes beyond the response would be read as the next one's.
    const bool reusable = c->keep_alive && !c->close_after && c->buffer.size() == 0 && c->socket.is_open() &&
                          (c->tls || c->drained);
    finish(c, std::nullopt, reusable);
    return false;
  }

  // Looks for the response head in the buffer and reports it (skipping interim 1xx responses);
  // false if the request failed.
  bool parse_head(const ConnPtr& c, int64_t ts) {
    for (;;) {
      const auto data = c->buffer.data();
      const std::string_view in(static_cast<const char*>(data.data()), data.size());
      auto head = c->head_parser.parse(in, c->header_view, c->head_request);
      if (!head) return malformed(c, head.error().message);
      if (!*head) return true;
      const ResponseHead& h = **head;
      if (h.status < 200 && h.status != 101) {  // interim response (100 Continue): skip it
        c->buffer.consume(h.head_bytes);
        continue;
      }
      c->keep_alive = h.keep_alive;
      c->body = BodyDecoder(h);
      // The fields are views into the buffer: reported before the bytes are consumed.
      report_headers(*c, h.status, ts);
      if (!start_decoding(c, h.content_encoding)) return false;
      c->buffer.consume(h.head_bytes);
      return true;
    }
  }

  // Body bytes (framing removed) to the handler, decoded first when the head named gzip/deflate;
  // false (c.decode_error says why) if they cannot be decoded.
  bool deliver(Connection& c, std::string_view bytes) {
    const std::size_t n = bytes.size();
    if (c.decoder) {
      auto decoded = c.decoder->decode(bytes);
      if (!decoded) {
        c.decode_error = decoded.error().message;
        return false;
      }
      bytes = *decoded;
      c.decoded_bytes += bytes.size();
      const uint64_t limit = options_.max_response_bytes;
      if (limit != 0 && c.decoded_bytes > limit) {  // a compression bomb
        c.decode_error = "decoded response body larger than the bound of " + std::to_string(limit) +
                         " bytes (--max-response-bytes); connection closed";
        return false;
      }
    }
    if (!bytes.empty()) call_body(*c.exchange->handler, bytes, c.read_ts, c.read_source);
    c.body_bytes += n;
    return true;
  }

  // Fails the request with a protocol error; always false.
  bool malformed(const ConnPtr& c, std::string_view why) {
    finish(c, TransportError{TransportErrorKind::kProtocol, parse_failure(*c, why)}, false);
    return false;
  }

  void report_headers(Connection& c, int status, int64_t ts) {
    c.headers_reported = true;
    c.status = status;
    call_headers(*c.exchange->handler, status, c.header_view, ts);
    // A stream may now stay open for minutes: let go of what it no longer needs. The request was
    // only kept for a stale-connection retry, which needs no response byte to have arrived. The
    // field list of a usual response (a few hundred bytes) is kept for the next one.
    if (c.header_view.capacity() > kKeptHeaderFields) std::vector<HeaderField>().swap(c.header_view);
    c.header_view.clear();
    HttpRequest& sent = c.exchange->request;
    std::string().swap(sent.body);
    std::string().swap(sent.target);
    decltype(sent.headers)().swap(sent.headers);
    std::string().swap(c.head);
  }

  std::string parse_failure(const Connection& c, std::string_view why) const {
    if (!c.decode_error.empty()) return c.decode_error + progress(c);
    if (!c.headers_reported && looks_like_http2(c.prefix, c.prefix_size)) return std::string(kHttp2Only);
    return "malformed HTTP response: " + std::string(why) + progress(c);
  }

  std::string progress(const Connection& c) const {
    if (!c.headers_reported) return c.response_bytes == 0 ? " (no response bytes received)" : " (in the response head)";
    return " (status " + std::to_string(c.status) + ", " + std::to_string(c.body_bytes) + " body bytes received)";
  }

  // A request that got no response byte on a reused keep-alive connection: the server had closed it
  // (or was closing it) when we wrote. Sent once more, on a new connection.
  bool should_retry(const Connection& c) const {
    return options_.retry_stale_connections && !shutting_down_ && c.abort == Abort::kNone && c.served > 0 &&
           c.response_bytes == 0 && (c.phase == Phase::kWrite || c.phase == Phase::kRead) && c.exchange &&
           !c.exchange->record.retried;
  }

  void retry(const ConnPtr& c) {
    std::unique_ptr<Exchange> ex = std::move(c->exchange);
    ex->record.retried = true;
    retries_.add();
    disarm_timer(*c);
    remove_active(*c);
    if (c->session != 0) sessions_[c->session].conn.reset();
    discard(*c);  // frees the slot the new connection takes
    open_connection(std::move(ex));
  }

  std::string_view host_of(const Connection& c) const { return origins_[c.origin].host_header; }

  // A failed operation (or one aborted by a timeout or cancellation).
  void fail(const ConnPtr& c, const error_code& ec) {
    if (should_retry(*c)) return retry(c);
    const std::string host(host_of(*c));
    TransportError e;
    if (c->abort == Abort::kPlannedCancel) {
      planned_cancels_.add();
      e = {TransportErrorKind::kCancelled,
           "cancelled by the client " + std::to_string(c->exchange->request.cancel_after.count() / 1'000'000) +
               " ms after it was sent (request cancellation)" + progress(*c)};
    } else if (c->abort == Abort::kCancelled) {
      e = {TransportErrorKind::kCancelled, shutting_down_ ? "client shut down" : "cancelled"};
    } else if (c->abort == Abort::kTimeout && c->phase == Phase::kConnect) {
      e = {TransportErrorKind::kConnect, "connect to " + host + " timed out after " +
                                             std::to_string(options_.connect_timeout.count()) + " ms"};
    } else if (c->abort == Abort::kTimeout && c->phase == Phase::kHandshake) {
      e = {TransportErrorKind::kTls, "TLS handshake with " + host + " not done within the " +
                                         std::to_string(options_.connect_timeout.count()) + " ms connect deadline"};
    } else if (c->phase == Phase::kHandshake) {
      e = {TransportErrorKind::kTls,
           "TLS handshake with " + host + " failed: " + tls_reason(ec, c->tls ? c->tls->native_handle() : nullptr)};
    } else if (c->abort == Abort::kTimeout) {
      e = {TransportErrorKind::kTimeout,
           "no complete response within " + std::to_string(c->deadline.count()) + " ms" + progress(*c)};
    } else if (c->phase == Phase::kConnect && ec == net::error::no_descriptors) {
      e = {TransportErrorKind::kConnect, too_many_files()};
    } else if (c->phase == Phase::kConnect) {
      e = {TransportErrorKind::kConnect, "connect to " + host + " failed: " + ec.message()};
    } else if (ec.category() == net::error::get_ssl_category()) {
      // E.g. TLS 1.3 client-certificate refusal: the server's alert arrives after our handshake finished.
      e = {TransportErrorKind::kTls, "TLS error from " + host + ": " + tls_reason(ec, nullptr) + progress(*c)};
    } else if (!c->headers_reported && looks_like_http2(c->prefix, c->prefix_size)) {
      e = {TransportErrorKind::kProtocol, std::string(kHttp2Only)};
    } else if (ec == net::error::eof || ec == ssl::error::stream_truncated) {
      e = {TransportErrorKind::kIo, "connection closed by the server before the response was complete" + progress(*c)};
    } else {
      e = {TransportErrorKind::kIo,
           std::string(c->phase == Phase::kWrite ? "write failed: " : "read failed: ") + ec.message() + progress(*c)};
    }
    finish(c, std::move(e), false);
  }

  void finish(const ConnPtr& c, std::optional<TransportError> error, bool reusable) {
    disarm_timer(*c);
    std::unique_ptr<Exchange> ex = std::move(c->exchange);
    release(c, reusable && !error);
    complete(*ex, std::move(error));
  }

  void complete(Exchange& ex, std::optional<TransportError> error) {
    completed_.add();
    if (error) failed_.add();
    call_transport(*ex.handler, ex.record);
    call_complete(*ex.handler, std::move(error));
  }

  // Returns a finished connection to the pool (or closes it) and serves the queue.
  void release(const ConnPtr& c, bool reusable) {
    remove_active(*c);
    if (options_.reuse == ConnectionReuse::kNever) reusable = false;
    if (reusable) c->idle_since = now_ns();
    if (c->session != 0) return release_session(c, reusable && !shutting_down_);
    if (reusable && !shutting_down_) {
      ++c->served;
      if (queue_.empty()) {
        origins_[c->origin].idle.push_back(c);
        return;
      }
      const Exchange& next = *queue_.front();
      if (next.request.origin == c->origin && sticky_key(next) == 0) return start_on(c, pop_queue());
      // The next request needs another server or its own session connection: this one makes room.
    }
    discard(*c);
    serve_queue();
  }

  // A sticky session's connection finished a turn: the session's next turn goes on it.
  void release_session(const ConnPtr& c, bool reusable) {
    Session& s = sessions_[c->session];
    if (reusable) ++c->served;
    if (!s.waiting.empty() && !shutting_down_) {
      auto next = std::move(s.waiting.front());
      s.waiting.pop_front();
      next->holds_session = true;
      if (reusable) return start_on(c, std::move(next));
      discard(*c);
      s.conn.reset();
      place(std::move(next));
      return serve_queue();
    }
    s.busy = false;
    if (!reusable || s.ending || !queue_.empty()) {  // a waiting request gets the slot
      discard(*c);
      s.conn.reset();
    }
    if (!s.conn) sessions_.erase(c->session);  // nothing left of it: the map does not grow
    serve_queue();
  }

  void serve_queue() {
    while (!queue_.empty() && open_.get() < options_.max_connections && !shutting_down_) place(pop_queue());
  }

  std::unique_ptr<Exchange> pop_queue() {
    auto ex = std::move(queue_.front());
    queue_.pop_front();
    queued_.set(queue_.size());
    return ex;
  }

  void discard(Connection& c) {
    close_connection(c);
    open_.sub();
    discarded_.add();
  }

  static void close_connection(Connection& c) {
    // Marked as shut down: OpenSSL would otherwise flag the session as not resumable when the
    // SSL object is freed. No close_notify is sent (the socket is closed right away).
    if (c.tls) SSL_set_shutdown(c.tls->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    error_code ignored;
    c.socket.shutdown(tcp::socket::shutdown_both, ignored);
    c.socket.close(ignored);
  }

  void cancel_now() {
    auto queued = std::move(queue_);
    queue_.clear();
    queued_.set(0);
    for (auto& [key, session] : sessions_) {
      for (auto& ex : session.waiting) queued.push_back(std::move(ex));
      session.waiting.clear();
    }
    for (auto& ex : queued) {
      complete(*ex, TransportError{TransportErrorKind::kCancelled, shutting_down_ ? "client shut down" : "cancelled"});
    }
    for (auto& c : active_) {
      if (c->exchange && c->abort == Abort::kNone) {
        c->abort = Abort::kCancelled;
        error_code ignored;
        c->socket.close(ignored);  // completes the pending operation with operation_aborted
      }
    }
  }

  // On expiry the pending operation is aborted with `why` (a timeout or a planned cancellation).
  void arm_timer(const ConnPtr& c, std::chrono::nanoseconds timeout, Abort why) {
    const uint64_t seq = ++c->timer_seq;
    c->timer.expires_after(timeout);
    c->timer.async_wait([c, seq, why](const error_code& ec) {
      if (ec || seq != c->timer_seq || !c->exchange || c->abort != Abort::kNone) return;
      c->abort = why;
      error_code ignored;
      c->socket.close(ignored);  // completes the pending operation with operation_aborted
    });
  }

  static void disarm_timer(Connection& c) {
    ++c.timer_seq;
    c.timer.cancel();
  }

  void add_active(const ConnPtr& c) {
    c->active_index = active_.size();
    active_.push_back(c);
  }

  void remove_active(Connection& c) {
    const std::size_t i = c.active_index;
    if (i >= active_.size() || active_[i].get() != &c) return;
    if (i + 1 != active_.size()) {
      active_[i] = std::move(active_.back());
      active_[i]->active_index = i;
    }
    active_.pop_back();
  }

  ClientOptions options_;
  // Sockets and timers are touched only on the loop thread (every call from elsewhere is
  // posted), so the reactor's per-descriptor locks are off; the scheduler's stay for post().
  net::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard_;
  std::vector<OriginState> origins_;  // [0] = options_.host/port, then more_origins
  std::unordered_map<uint64_t, Session> sessions_;  // kStickySessions
  std::vector<net::ip::address> sources_;  // --source-address
  std::optional<TransportError> setup_error_;
  std::optional<ssl::context> tls_ctx_;
  std::vector<ConnPtr> active_;
  std::vector<beast::flat_buffer> spare_buffers_;  // read buffers lent by connections waiting for bytes
  ReadFirstPolicy read_first_;  // read right after a send, or wait first
  std::deque<std::unique_ptr<Exchange>> queue_;
  std::list<PendingTimer> timers_;
  bool shutting_down_ = false;
  bool stopping_ = false;
  std::atomic<uint64_t> in_order_waiting_{0};  // posted by post_in_order, not yet run

  Counter submitted_, completed_, failed_, opened_, reused_, discarded_, open_, peak_open_, queued_, peak_queued_,
      handshakes_, resumed_, retries_, planned_cancels_;
};

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() { impl_->shutdown(); }
void HttpClient::submit(HttpRequest&& request, std::unique_ptr<ResponseHandler> handler) {
  impl_->submit(std::move(request), std::move(handler));
}
void HttpClient::post(std::function<void()> fn) { impl_->post(std::move(fn)); }
void HttpClient::run_at(int64_t steady_ns, std::function<void()> fn) { impl_->run_at(steady_ns, std::move(fn)); }
void HttpClient::run() { impl_->run(); }
void HttpClient::stop() { impl_->stop(); }
void HttpClient::cancel_all() { impl_->cancel_all(); }
void HttpClient::end_session(uint64_t session_key) { impl_->end_session(session_key); }
ClientStats HttpClient::stats() const { return impl_->stats(); }
const ClientOptions& HttpClient::options() const { return impl_->options(); }
std::optional<TransportError> HttpClient::setup_error() const { return impl_->setup_error(); }

}  // namespace aiperf::transport
