#include "series_api.h"

#include <aiperf/sdk/config.h>

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "common/http/http_client.h"

namespace http = aiperf_plugins::http;

namespace aiperf_datadog {
namespace {

// `text` with every occurrence of `secret` replaced, so a key echoed by a server never leaks.
std::string scrub(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "<redacted>");
  }
  return text;
}

std::string excerpt(std::string body) {
  if (body.size() > 300) body = body.substr(0, 300) + "...";
  for (char& c : body) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return body;
}

}  // namespace

std::string api_base_url(std::string_view site) {
  std::string url(site);
  if (url.find("://") == std::string::npos) {
    if (url.empty() || url.find_first_of("/ ") != std::string::npos) {
      throw aiperf::ConfigError("key 'site' must be a Datadog site such as \"datadoghq.com\" or an "
                                "http(s):// URL, got \"" + url + "\"");
    }
    return "https://api." + url;
  }
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    throw aiperf::ConfigError("key 'site' must use http:// or https://, got \"" + url + "\"");
  }
  while (url.ends_with('/')) url.pop_back();
  return url;
}

std::string series_json(const std::vector<Gauge>& gauges, const std::vector<std::string>& tags,
                        int64_t timestamp_seconds) {
  nlohmann::json series = nlohmann::json::array();
  for (const auto& gauge : gauges) {
    series.push_back({{"metric", gauge.name},
                      {"points", nlohmann::json::array({nlohmann::json::array({timestamp_seconds, gauge.value})})},
                      {"type", "gauge"},
                      {"tags", tags}});
  }
  return nlohmann::json{{"series", series}}.dump();
}

void post_series(const SeriesApi& api, const std::string& body) {
  http::HttpRequest request;
  request.method = "POST";
  request.url = api.url();
  request.headers = {"Content-Type: application/json", "DD-API-KEY: " + api.api_key};
  request.body = body;
  request.timeout = api.timeout;
  http::HttpResponse response = http::http_send(request);
  if (response.ok()) return;
  std::string where = "Datadog API " + api.url() + ": POST";
  if (!response.error.empty()) {
    throw std::runtime_error(scrub(where + " failed: " + response.error, api.api_key));
  }
  std::string message = where + " returned HTTP " + std::to_string(response.status);
  if (!response.body.empty()) message += ": " + excerpt(response.body);
  throw std::runtime_error(scrub(message, api.api_key));
}

}  // namespace aiperf_datadog
