#include "pushgateway.h"

#include <stdexcept>

#include "common/http/http_client.h"

namespace http = aiperf_plugins::http;

namespace aiperf_prometheus {
namespace {

bool is_plain(std::string_view value) {
  if (value.empty()) return false;
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

// RFC 4648 section 5 (URL- and filename-safe alphabet), padded. "" encodes as "=".
std::string base64url(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  if (in.empty()) return "=";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string segment(std::string_view name, std::string_view value) {
  if (is_plain(value)) return "/" + std::string(name) + "/" + std::string(value);
  return "/" + std::string(name) + "@base64/" + base64url(value);
}

// A response body fit for one line of an error message.
std::string excerpt(std::string body) {
  if (body.size() > 300) body = body.substr(0, 300) + "...";
  for (char& c : body) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!body.empty() && body.back() == ' ') body.pop_back();
  return body;
}

}  // namespace

std::string group_path(const PushgatewayTarget& target, std::string_view phase) {
  std::string path = "/metrics" + segment("job", target.job) + segment("phase", phase);
  for (const auto& [name, value] : target.labels) path += segment(name, value);
  return path;
}

void push_group(const PushgatewayTarget& target, std::string_view phase, const std::string& exposition) {
  std::string path = group_path(target, phase);
  http::HttpRequest request;
  request.method = "PUT";
  request.url = target.endpoint + path;
  request.headers = {"Content-Type: text/plain; version=0.0.4; charset=utf-8"};
  request.body = exposition;
  request.timeout = target.timeout;
  http::HttpResponse response = http::http_send(request);
  if (response.ok()) return;
  std::string where = "Pushgateway " + redact_userinfo(target.endpoint) + ": PUT " + path;
  if (!response.error.empty()) throw std::runtime_error(where + " failed: " + response.error);
  std::string message = where + " returned HTTP " + std::to_string(response.status);
  if (std::string body = excerpt(response.body); !body.empty()) message += ": " + body;
  throw std::runtime_error(message);
}

std::string redact_userinfo(std::string_view url) {
  std::size_t scheme = url.find("://");
  std::size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  std::size_t end = url.find('/', start);
  std::size_t at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  return std::string(url.substr(0, start)) + std::string(url.substr(at + 1));
}

}  // namespace aiperf_prometheus
