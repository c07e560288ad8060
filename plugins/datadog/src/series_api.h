// The Datadog HTTP API v1 series endpoint: POST {site}/api/v1/series.
//
// Sent with libcurl: the real Datadog sites are https-only, and libcurl gives
// TLS, proxies (HTTPS_PROXY) and a hard timeout in one call; it is already on
// every machine that has prometheus-cpp's push support. The API key travels
// only in the DD-API-KEY header and is scrubbed from every error message.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metrics.h"

namespace aiperf_datadog {

/// Where series go.
struct SeriesApi {
  std::string base_url;  ///< e.g. "https://api.datadoghq.com" or "http://127.0.0.1:8080" (no trailing '/').
  std::string api_key;   ///< Sent as DD-API-KEY; never printed.
  std::chrono::milliseconds timeout{3000};  ///< Bound on one POST, connect included.
  /// The full endpoint URL.
  std::string url() const { return base_url + "/api/v1/series"; }
};

/// The API base URL for `site`: a full http(s) URL is used as is, a bare site such as
/// "datadoghq.eu" becomes "https://api.datadoghq.eu". Throws aiperf::ConfigError naming key 'site'.
std::string api_base_url(std::string_view site);

/// The JSON body: {"series": [{"metric", "points": [[timestamp, value]], "type": "gauge", "tags"}]}.
std::string series_json(const std::vector<Gauge>& gauges, const std::vector<std::string>& tags,
                        int64_t timestamp_seconds);

/// POSTs `body`; throws std::runtime_error naming the URL and the HTTP status or cause, never the key.
void post_series(const SeriesApi& api, const std::string& body);

}  // namespace aiperf_datadog
