// Parsing of the server URL given with `-u/--url` into what the HTTP client
// needs: scheme (TLS or not), host, port and the base path the endpoint paths
// are appended to.
//
//   parse_http_url("http://127.0.0.1:8000/v1")  -> {host "127.0.0.1", port 8000, base_path "/v1"}
//   parse_http_url("localhost:8000")            -> http assumed (AIPerf accepts this form)
//   parse_http_url("https://api.example.com")   -> {tls, host "api.example.com", port 443, base_path ""}
//
// http:// and https:// are supported; every other input is an error whose
// text says what is wrong (never an exception, never a crash).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace aiperf::transport {

/// A parsed http:// or https:// URL.
struct HttpUrl {
  bool tls = false;       ///< True for https:// (the client then speaks TLS; ClientOptions::tls.enabled).
  std::string host;       ///< Host name or IP literal; IPv6 without brackets ("::1").
  uint16_t port = 80;     ///< TCP port (80, or 443 for https, when the URL gives none).
  std::string base_path;  ///< Path without trailing '/', "" for the root ("/v1/" gives "/v1").

  /// "host:port", with brackets around an IPv6 literal: the value of a Host header.
  std::string authority() const;
  /// base_path joined with `path` by exactly one '/' ("/v1" + "chat/completions" -> "/v1/chat/completions").
  std::string join(std::string_view path) const;
  /// "http[s]://authority/base_path": the URL in one canonical form (names it in exports).
  std::string str() const;
};

/// Parses `http[s]://host[:port][/path]` (scheme optional, case-insensitive; none means http).
/// Errors: other schemes, empty or invalid host,
/// port not in 1-65535, user info, query or fragment, whitespace inside.
Expected<HttpUrl> parse_http_url(std::string_view url);

/// Most addresses --source-address may expand to.
inline constexpr std::size_t kMaxSourceAddresses = 65536;

/// --source-address: "ADDR[,ADDR...]", each an IPv4/IPv6 literal or an IPv4 range "A-B" (inclusive,
/// e.g. "127.0.0.2-127.0.0.40"), expanded to the list of addresses (at most kMaxSourceAddresses).
Expected<std::vector<std::string>> parse_source_addresses(std::string_view text);

}  // namespace aiperf::transport
