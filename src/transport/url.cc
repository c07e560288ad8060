#include "transport/url.h"

#include <cctype>

namespace aiperf::transport {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_reg_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool is_ipv6_char(char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }

tl::unexpected<std::string> fail(std::string_view url, std::string_view why) {
  return tl::unexpected("invalid URL '" + std::string(url) + "': " + std::string(why));
}

}  // namespace

std::string HttpUrl::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string HttpUrl::join(std::string_view path) const {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return base_path + "/" + std::string(path);
}

tl::expected<HttpUrl, std::string> parse_http_url(std::string_view input) {
  const std::string_view url = trim(input);
  if (url.empty()) return tl::unexpected(std::string("invalid URL: empty"));
  for (char c : url) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) {
      return fail(url, "contains whitespace or control characters");
    }
  }

  std::string_view rest = url;
  bool tls = false;
  if (const auto sep = rest.find("://"); sep != std::string_view::npos) {
    const std::string_view scheme = rest.substr(0, sep);
    if (iequals(scheme, "https")) {
      tls = true;
    } else if (!iequals(scheme, "http")) {
      return fail(url, "unsupported scheme '" + std::string(scheme) + "' (only http:// and https:// are supported)");
    }
    rest.remove_prefix(sep + 3);
  }

  // authority = everything up to the first '/', '?' or '#'.
  const auto auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view path = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);

  if (authority.find('@') != std::string_view::npos) {
    return fail(url, "user credentials in the URL are not supported (pass an API key header instead)");
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    return fail(url, "a query string or fragment is not allowed in the base URL");
  }

  HttpUrl out;
  out.tls = tls;
  out.port = tls ? 443 : 80;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(url, "unterminated '[' in IPv6 host");
    const std::string_view v6 = authority.substr(1, close - 1);
    if (v6.empty() || v6.find(':') == std::string_view::npos) return fail(url, "invalid IPv6 host");
    for (char c : v6) {
      if (!is_ipv6_char(c)) return fail(url, "invalid character in IPv6 host");
    }
    out.host = std::string(v6);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(url, "unexpected characters after ']'");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const auto colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return fail(url, "missing host");
    for (char c : host) {
      if (!is_reg_name_char(c)) return fail(url, "invalid character '" + std::string(1, c) + "' in host");
    }
    out.host = std::string(host);
  }
  if (out.host.empty()) return fail(url, "missing host");

  if (has_port) {
    if (port_text.empty()) return fail(url, "empty port");
    if (port_text.size() > 5) return fail(url, "port out of range 1-65535");
    unsigned value = 0;
    for (char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return fail(url, "port is not a number");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return fail(url, "port out of range 1-65535");
    out.port = static_cast<uint16_t>(value);
  }

  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.base_path = std::string(path);
  return out;
}

}  // namespace aiperf::transport
