// Asynchronous HTTP/1.1 client of the benchmark engine: a keep-alive
// connection pool per server (origin: scheme, host, port; one or several), over plain
// TCP or TLS (OpenSSL 3), driven by a single-threaded event loop that also
// runs the engine's timers. Boost.Asio/Beast and OpenSSL stay inside
// http_client.cc (pimpl); this header is plain C++.
//
//   HttpClient client({.host = "127.0.0.1", .port = 8000});
//   client.submit({.method = "POST", .target = "/v1/chat/completions", .body = json},
//                 std::make_unique<MyHandler>(...));
//   client.run_at(now_ns() + 1'000'000, [&] { client.stop(); });
//   client.run();  // returns after stop() once every request has completed
//
// Threading: every handler callback, post() and run_at() function runs on the
// thread inside run(). submit(), post(), run_at(), cancel_all(), stop() and
// stats() may be called from any thread.
//
// Guarantee: every submitted request gets exactly one on_complete(), whatever
// happens (success, HTTP error status, connect failure, timeout, reset,
// malformed HTTP, cancel_all(), destruction of the client). HTTP 4xx/5xx are
// not transport errors: the status arrives in on_headers() and the body in
// on_body(); the caller decides.
//
// Timestamps: one clock everywhere, std::chrono::steady_clock in nanoseconds
// (now_ns()). on_sent() is stamped right before the first request byte is
// written (the request start for metrics; TCP connect and TLS handshake are
// not included), on_body() with the kernel's receive time of the read that
// delivered the bytes (SO_TIMESTAMPNS, converted to steady_clock) or, with
// TimestampSource::kUser or when the kernel gives none, right after that read
// returned. With TLS the kernel time is that of the encrypted bytes' arrival.
//
// Connection policy (ClientOptions::reuse): kPooled keeps connections alive and
// shares them; kNever opens one connection per request; kStickySessions sends
// the requests that carry the same non-zero HttpRequest::session_key over one
// connection of their own, one at a time and in submission order (a
// conversation's turns); requests with session_key 0 are pooled. A session's
// connection stays open until end_session(key), until the server or an error
// closes it (the next turn then opens a new one), or until the pool needs the
// slot for a waiting request.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/request_record.h"
#include "transport/response_head.h"  // HeaderField

namespace aiperf::transport {

/// Monotonic time in nanoseconds (std::chrono::steady_clock); the clock of every timestamp here.
int64_t now_ns();

/// TLS settings (used when `enabled`, i.e. for https:// URLs).
struct TlsOptions {
  bool enabled = false;      ///< Speak TLS on every connection (https://). Default false.
  bool verify = true;        ///< Verify the server certificate chain and host name. Default true; false = accept any (warn!).
  std::string ca_file;       ///< PEM file of trusted CAs; "" (default) = the system store (/etc/ssl/certs).
  std::string client_cert;   ///< PEM client certificate (chain) for mutual TLS; "" (default) = none.
  std::string client_key;    ///< PEM private key of client_cert; "" (default) = the key is in client_cert's file.
  std::string server_name;   ///< Name sent as SNI and checked against the certificate; "" (default) = ClientOptions::host.
  bool resume_sessions = true;  ///< Offer the last session (ticket) when reconnecting. Default true.
};

/// How connections are shared between requests (AIPerf's --connection-reuse-strategy).
enum class ConnectionReuse : uint8_t {
  kPooled,          ///< "pooled": keep-alive connections shared by every request (default).
  kNever,           ///< "never": a new connection for every request, closed after its response.
  kStickySessions,  ///< "sticky-user-sessions": one connection per non-zero HttpRequest::session_key.
};

/// One more server of the client (HttpRequest::origin 1, 2, ...); same scheme and TLS settings as the first.
struct Origin {
  std::string host;  ///< Host name or IP literal; resolved once at construction.
  uint16_t port = 80;  ///< TCP port.
};

/// Where to connect and how the pool behaves.
struct ClientOptions {
  std::string host = "127.0.0.1";  ///< Host name or IP literal (IPv6 without brackets); resolved once at construction.
  uint16_t port = 80;              ///< TCP port.
  std::size_t max_connections = 1024;                         ///< Pool size; requests beyond it wait in a FIFO queue.
  std::chrono::milliseconds connect_timeout{10000};           ///< Deadline of one TCP connect plus TLS handshake (ms).
  std::chrono::milliseconds request_timeout{0};               ///< From on_sent() to the end of the response; 0 = none.
  TlsOptions tls;                                             ///< TLS settings; off by default.
  /// Value of the Accept-Encoding header the client adds when the request has none. Default "identity"
  /// (ask for uncompressed bodies); "" = add none. gzip/deflate bodies are decoded whatever was asked.
  std::string accept_encoding = "identity";
  /// Clock that stamps response reads. Default kKernel (falls back to kUser per read when the kernel gives no stamp).
  metrics::TimestampSource timestamp_source = metrics::TimestampSource::kKernel;
  /// More servers: HttpRequest::origin i > 0 goes to more_origins[i - 1]. Default none.
  std::vector<Origin> more_origins;
  /// Connection sharing. Default kPooled.
  ConnectionReuse reuse = ConnectionReuse::kPooled;
  /// Local IP addresses to bind connections to, used round-robin (one per new connection); empty = the kernel's choice.
  std::vector<std::string> source_addresses;
  /// Most bytes (head and body as received) one response may carry; beyond it the request fails and its
  /// connection is closed. 0 = no bound. Default 1 GiB.
  uint64_t max_response_bytes = uint64_t{1} << 30;
  /// A request that got no response byte on a reused keep-alive connection (the server had closed it) is
  /// sent once more on a new connection. Default true.
  bool retry_stale_connections = true;
};

/// An HTTP request. The client adds Host, Content-Length (when there is a body
/// or the method is POST/PUT/PATCH) and `Connection: keep-alive`; a caller's
/// Host is kept, a caller's Content-Length/Transfer-Encoding is replaced, and a
/// caller's `Connection: close` is honoured (the connection is then not reused).
struct HttpRequest {
  std::string method = "GET";                                 ///< e.g. "POST".
  std::string target = "/";                                   ///< Origin-form target, e.g. "/v1/chat/completions".
  std::vector<std::pair<std::string, std::string>> headers;   ///< Extra header fields, in order.
  std::string body;                                           ///< Request body (sent as is).
  std::chrono::milliseconds timeout{0};                       ///< Overrides ClientOptions::request_timeout when > 0.
  std::size_t origin = 0;  ///< Which server: 0 = ClientOptions::host/port, i = more_origins[i - 1].
  /// Conversation this request belongs to (0 = none). With ConnectionReuse::kStickySessions the requests of
  /// one key share one connection, one at a time; the multi-turn engine sets it per conversation.
  uint64_t session_key = 0;
  /// Cancel the request (close its connection) this long after it was sent; 0 = never. The request then
  /// completes with kCancelled and a message saying it was a planned cancellation.
  std::chrono::nanoseconds cancel_after{0};
};

/// The value of the first field named `name` (ASCII case-insensitive), or nullopt.
std::optional<std::string_view> find_header(std::span<const HeaderField> headers, std::string_view name);

/// Why a request failed at the transport level.
enum class TransportErrorKind : uint8_t {
  kConnect,    ///< No connection: name resolution, refused, unreachable, connect timeout, no file descriptors.
  kTimeout,    ///< The request deadline passed after the request was sent.
  kIo,         ///< Reset by peer, broken pipe, or the peer closed before the response was complete.
  kProtocol,   ///< Malformed HTTP from the server (or HTTP/2 only, or an undecodable body), or an invalid request.
  kCancelled,  ///< cancel_all() or destruction of the client.
  kTls,        ///< TLS configuration or handshake failure (before the request was sent); message has OpenSSL's reason.
};

/// Stable lowercase name: "connect", "timeout", "io", "protocol", "cancelled", "tls".
std::string_view transport_error_kind_name(TransportErrorKind kind);

/// The metrics error kind of a transport error kind (protocol -> parse; the rest by name).
constexpr metrics::ErrorKind to_error_kind(TransportErrorKind kind) {
  switch (kind) {
    case TransportErrorKind::kConnect: return metrics::ErrorKind::kConnect;
    case TransportErrorKind::kTimeout: return metrics::ErrorKind::kTimeout;
    case TransportErrorKind::kIo: return metrics::ErrorKind::kIo;
    case TransportErrorKind::kProtocol: return metrics::ErrorKind::kParse;
    case TransportErrorKind::kCancelled: return metrics::ErrorKind::kCancelled;
    case TransportErrorKind::kTls: return metrics::ErrorKind::kTls;
  }
  return metrics::ErrorKind::kOther;
}

/// A transport failure: its kind and a message naming the cause.
struct TransportError {
  TransportErrorKind kind = TransportErrorKind::kIo;
  std::string message;
};

/// Receives the events of one request, on the loop thread, in this order:
/// on_sent (once per attempt: twice when a stale keep-alive connection made the client send the request again
/// on a new one; the later call is the request start), on_headers (at most once, after on_sent), on_body
/// (zero or more times, after on_headers), on_complete (exactly once, last).
/// on_complete can come without the others (never connected, cancelled while
/// queued, invalid request). Handlers must not throw: a throwing handler
/// terminates the process (callbacks are invoked through noexcept frames).
///
/// Why a virtual interface and not a struct of std::function: the engine keeps
/// its per-request state (the record under construction, the stream parser)
/// in one object, so a request costs one allocation instead of four
/// std::function targets, the per-chunk call is one indirect call, and the
/// handler is destroyed right after on_complete. CallbackHandler below adapts
/// lambdas for tests and simple callers.
class ResponseHandler {
 public:
  virtual ~ResponseHandler() = default;
  /// The first request byte is about to be written; `ts_ns` is the request start.
  virtual void on_sent(int64_t ts_ns) { (void)ts_ns; }
  /// The status line and header fields arrived (views valid only during the call).
  virtual void on_headers(int status, std::span<const HeaderField> headers, int64_t ts_ns) {
    (void)status, (void)headers, (void)ts_ns;
  }
  /// Decoded body bytes (chunked framing removed), as read from the socket at `ts_ns`.
  /// One socket read can produce several calls with the same timestamp. `bytes` is a view
  /// into the client's read buffer, valid only during the call.
  virtual void on_body(std::string_view bytes, int64_t ts_ns) { (void)bytes, (void)ts_ns; }
  /// The same delivery with the clock that stamped it; the client calls this one, and by default it
  /// forwards to on_body(). Override it to record the source per chunk.
  virtual void on_stamped_body(std::string_view bytes, int64_t ts_ns, metrics::TimestampSource source) {
    (void)source;
    on_body(bytes, ts_ns);
  }
  /// Connection, TLS and read-clock facts of this request; called once, right before on_complete().
  virtual void on_transport(const metrics::TransportRecord& info) { (void)info; }
  /// The request is finished: nullopt on success (any HTTP status), else the transport error.
  virtual void on_complete(std::optional<TransportError> error) = 0;
};

/// A ResponseHandler made of optional std::functions (unset ones are skipped).
struct CallbackHandler final : ResponseHandler {
  std::function<void(int64_t)> sent;
  std::function<void(int, std::span<const HeaderField>, int64_t)> headers;
  std::function<void(std::string_view, int64_t)> body;
  std::function<void(std::optional<TransportError>)> complete;
  std::function<void(const metrics::TransportRecord&)> transport;

  void on_sent(int64_t ts_ns) override {
    if (sent) sent(ts_ns);
  }
  void on_headers(int status, std::span<const HeaderField> h, int64_t ts_ns) override {
    if (headers) headers(status, h, ts_ns);
  }
  void on_body(std::string_view bytes, int64_t ts_ns) override {
    if (body) body(bytes, ts_ns);
  }
  void on_transport(const metrics::TransportRecord& info) override {
    if (transport) transport(info);
  }
  void on_complete(std::optional<TransportError> error) override {
    if (complete) complete(std::move(error));
  }
};

/// Counters of the pool (read from any thread; each value is individually consistent).
struct ClientStats {
  uint64_t submitted = 0;            ///< Requests accepted by submit().
  uint64_t completed = 0;            ///< on_complete() calls made.
  uint64_t failed = 0;               ///< ... of which with a transport error.
  uint64_t connections_opened = 0;   ///< TCP connects started.
  uint64_t tls_handshakes = 0;       ///< TLS handshakes completed.
  uint64_t tls_sessions_resumed = 0; ///< ... of which resumed an earlier session.
  uint64_t connections_reused = 0;   ///< Requests sent on a connection that had served one before.
  uint64_t connections_discarded = 0;  ///< Connections closed after an error, `Connection: close` or staleness.
  uint64_t open_connections = 0;     ///< Connections open or connecting now.
  uint64_t peak_open_connections = 0;  ///< Maximum of open_connections.
  uint64_t queued = 0;               ///< Requests waiting for a connection now.
  uint64_t peak_queued = 0;          ///< Maximum of queued.
  uint64_t retries = 0;              ///< Requests sent again on a new connection (stale keep-alive).
  uint64_t planned_cancellations = 0;  ///< Requests cancelled by HttpRequest::cancel_after.
};

/// The client. Construct, submit work, call run() on the thread that should
/// drive the loop, call stop() when no more work will be submitted.
class HttpClient {
 public:
  /// Resolves options.host once (a failure makes every request end with a
  /// connect error naming it) and raises the RLIMIT_NOFILE soft limit towards
  /// the hard limit when max_connections needs it.
  explicit HttpClient(ClientOptions options);
  /// Completes every unfinished request with `cancelled` (on the calling
  /// thread), drops pending run_at() functions without running them and closes
  /// all connections. run() must have returned (or never been called).
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Queues a request; `handler` receives its events on the loop thread. Thread-safe.
  /// Called on the loop thread (from a handler, post() or run_at() function) with nothing posted
  /// before it still waiting, the request starts inside the call: on a reused plain connection it is
  /// written and on_sent() called before submit() returns. on_headers/on_body/on_complete never come
  /// inside the call (a refused request completes from the loop later).
  /// Throws std::invalid_argument if handler is null.
  void submit(HttpRequest&& request, std::unique_ptr<ResponseHandler> handler);
  /// Runs `fn` on the loop thread (FIFO with submit()). Thread-safe.
  void post(std::function<void()> fn);
  /// Runs `fn` on the loop thread at monotonic time `steady_ns` (now_ns() clock;
  /// a time in the past runs as soon as possible). Thread-safe. A pending
  /// run_at keeps run() going until stop() (which drops it).
  void run_at(int64_t steady_ns, std::function<void()> fn);
  /// Runs the loop on the calling thread until stop() was called and every
  /// submitted request has completed and every posted function has run. Call it once.
  void run();
  /// Lets run() return once outstanding requests and posted functions are done;
  /// run_at() functions pending at stop() or scheduled after it are dropped
  /// without running. Thread-safe, idempotent.
  void stop();
  /// Completes every queued and in-flight request with `cancelled` (idle
  /// connections stay open; later submits work normally). Thread-safe.
  void cancel_all();
  /// The conversation `session_key` is over: its connection is closed once its last request completed
  /// (kStickySessions; otherwise nothing). Thread-safe.
  void end_session(uint64_t session_key);
  /// Pool counters. Thread-safe.
  ClientStats stats() const;
  /// The options in use.
  const ClientOptions& options() const;
  /// Why the client cannot work at all (TLS files unreadable, key not matching the certificate), or
  /// nullopt. Every request then fails with that error; check it before sending.
  std::optional<TransportError> setup_error() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aiperf::transport
