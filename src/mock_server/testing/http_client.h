// A tiny blocking HTTP/1.1 client for tests (raw POSIX sockets, no Boost).
// It decodes chunked responses and timestamps every body chunk as it is read,
// so tests can measure TTFT/ITL; it reports resets and timeouts instead of
// throwing, so tests can observe injected faults.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aiperf::testing {

/// Request or response header fields, in order.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// One decoded piece of a response body and when it was read.
struct BodyChunk {
  std::string data;                               ///< One chunk of chunked encoding, or one read otherwise.
  std::chrono::steady_clock::time_point arrival;  ///< When the read completing it returned.
};

/// A response as the client saw it, including how it ended.
struct HttpResponse {
  int status = 0;                              ///< Status code; 0 if no status line arrived.
  HttpHeaders headers;                         ///< Response headers as received.
  std::string body;                            ///< Decoded body received so far.
  std::vector<BodyChunk> chunks;               ///< Body pieces with arrival times.
  std::chrono::steady_clock::time_point sent;  ///< When the request was fully written.
  bool complete = false;                       ///< The whole message arrived.
  bool timed_out = false;                      ///< The deadline passed before the end.
  bool reset = false;                          ///< The peer reset the connection (ECONNRESET).
  std::string error;                           ///< Why the message is incomplete ("" when complete).

  /// The first header with this name (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  /// Milliseconds from `sent` to the arrival of chunks[i].
  double chunk_ms(std::size_t i) const;
};

/// Per-request options.
struct RequestOptions {
  std::chrono::milliseconds timeout{10000};  ///< Deadline for the whole exchange.
  HttpHeaders headers;                       ///< Extra request headers.
};

/// A blocking keep-alive HTTP/1.1 connection to host:port (IPv4 literal).
class HttpConnection {
 public:
  /// Connects (bounded by timeout); check connected() / error().
  explicit HttpConnection(int port, std::string host = "127.0.0.1",
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  /// Closes the socket.
  ~HttpConnection();
  /// Not copyable: owns the socket.
  HttpConnection(const HttpConnection&) = delete;
  /// Not copyable: owns the socket.
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// Whether the socket is open (connected and not closed by either side).
  bool connected() const { return fd_ >= 0; }
  /// Why the connection failed or closed.
  const std::string& error() const { return error_; }
  /// Sends one request and reads its response; the connection stays open
  /// unless the response ended it or said `Connection: close`.
  HttpResponse request(std::string_view method, std::string_view path, std::string_view body = {},
                       const RequestOptions& options = {});

 private:
  void close();
  int fd_ = -1;
  std::string host_;
  std::string buffer_;
  std::string error_;
};

/// GET on a fresh connection to 127.0.0.1:port (sends `Connection: close`).
HttpResponse http_get(int port, std::string_view path, const RequestOptions& options = {});

/// POST with a JSON body on a fresh connection to 127.0.0.1:port (sends `Connection: close`).
HttpResponse http_post(int port, std::string_view path, std::string_view body,
                       const RequestOptions& options = {});

/// The data payloads of an SSE body, one per event ("data: X\n\n" gives "X").
std::vector<std::string> sse_data(std::string_view body);

/// The non-empty lines of an NDJSON body.
std::vector<std::string> ndjson_lines(std::string_view body);

}  // namespace aiperf::testing
