// A blocking HTTP(S) GET with a deadline, for scraping /metrics endpoints from
// a collector's own thread (libcurl's easy interface; curl.h stays in http_get.cc).
#pragma once

#include <chrono>
#include <string>

#include "aiperf/sdk/config.h"
#include "base/error.h"

namespace aiperf::collectors {

/// A response: status and body.
struct HttpResponse {
  long status = 0;
  std::string body;
  std::string content_type;
};

/// TLS settings for https:// scrapes: the run's --ssl-* options, so that a server
/// the benchmark reaches with a private CA or mutual TLS can be scraped too.
struct ScrapeTls {
  std::string ca_file;      ///< PEM CAs to trust; "" = the system store.
  bool verify = true;       ///< false: accept any certificate and host name.
  std::string client_cert;  ///< PEM client certificate (mutual TLS); "" = none.
  std::string client_key;   ///< Its PEM key; "" = in client_cert's file.
};

/// ScrapeTls from a collector's config keys `ssl_ca_file`, `ssl_verify`, `ssl_client_cert`,
/// `ssl_client_key`; throws ConfigError on a wrong type.
ScrapeTls scrape_tls_from(const PluginConfig& config);

/// GETs `url` within `timeout` (connect and transfer), with a body bound of `max_bytes`.
/// A transport failure (TLS verification included) is an Error (kIo) naming the URL;
/// any HTTP status is a response.
Expected<HttpResponse> http_get(const std::string& url, std::chrono::milliseconds timeout,
                                const ScrapeTls& tls = {}, std::size_t max_bytes = 64u << 20);

}  // namespace aiperf::collectors
