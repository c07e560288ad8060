// One blocking HTTP request with a hard time bound, over libcurl. Compiled into
// each hook that uses it; plugins build with hidden visibility, so copies never clash.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace aiperf_plugins::http {

/// What to send.
struct HttpRequest {
  std::string method = "GET";         ///< "GET", "POST", "PUT" or "DELETE".
  std::string url;                    ///< http:// or https:// URL.
  std::vector<std::string> headers;   ///< "Name: value" lines.
  std::string body;                   ///< Sent as is (may be empty).
  std::chrono::milliseconds timeout{3000};  ///< Bound on the whole exchange, connect included.
};

/// What came back. `error` is set when no HTTP response arrived (connect failed, timed out...).
struct HttpResponse {
  long status = 0;      ///< HTTP status; 0 when `error` is set.
  std::string body;     ///< Response body, truncated to 64 KiB.
  std::string error;    ///< Transport failure, e.g. "Couldn't connect to server: ..."; empty on success.
  /// True for a 2xx response.
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

/// Performs `request`; never throws, never takes longer than about `request.timeout`.
HttpResponse http_send(const HttpRequest& request) noexcept;

}  // namespace aiperf_plugins::http
