// A blocking HTTP(S) GET with a deadline, for scraping /metrics endpoints from
// a collector's own thread (libcurl's easy interface; curl.h stays in http_get.cc).
#pragma once

#include <chrono>
#include <string>

#include "base/error.h"

namespace aiperf::collectors {

/// A response: status and body.
struct HttpResponse {
  long status = 0;
  std::string body;
  std::string content_type;
};

/// GETs `url` within `timeout` (connect and transfer), with a body bound of `max_bytes`.
/// A transport failure is an Error (kIo) naming the URL; any HTTP status is a response.
Expected<HttpResponse> http_get(const std::string& url, std::chrono::milliseconds timeout,
                                std::size_t max_bytes = 64u << 20);

}  // namespace aiperf::collectors
