#include "transport/url.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>
#include <optional>

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

tl::unexpected<Error> invalid(std::string_view url, std::string_view why) {
  return fail(ErrorCode::kInvalidArgument, "invalid URL '" + std::string(url) + "': " + std::string(why));
}

// "[v6]" or "[v6]:port": sets out.host and the port text.
Expected<void> parse_ipv6_authority(std::string_view url, std::string_view authority, HttpUrl& out,
                                    std::optional<std::string_view>& port_text) {
  const auto close = authority.find(']');
  if (close == std::string_view::npos) return invalid(url, "unterminated '[' in IPv6 host");
  const std::string_view v6 = authority.substr(1, close - 1);
  if (v6.empty() || v6.find(':') == std::string_view::npos) return invalid(url, "invalid IPv6 host");
  for (char c : v6) {
    if (!is_ipv6_char(c)) return invalid(url, "invalid character in IPv6 host");
  }
  out.host = std::string(v6);
  const std::string_view after = authority.substr(close + 1);
  if (!after.empty()) {
    if (after.front() != ':') return invalid(url, "unexpected characters after ']'");
    port_text = after.substr(1);
  }
  return {};
}

// "host" or "host:port" (a registered name or IPv4), or the IPv6 form.
Expected<void> parse_authority(std::string_view url, std::string_view authority, HttpUrl& out) {
  std::optional<std::string_view> port_text;
  if (!authority.empty() && authority.front() == '[') {
    if (auto r = parse_ipv6_authority(url, authority, out, port_text); !r) return r;
  } else {
    const auto colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (host.empty()) return invalid(url, "missing host");
    for (char c : host) {
      if (!is_reg_name_char(c)) return invalid(url, "invalid character '" + std::string(1, c) + "' in host");
    }
    out.host = std::string(host);
  }
  if (out.host.empty()) return invalid(url, "missing host");
  if (!port_text) return {};
  if (port_text->empty()) return invalid(url, "empty port");
  if (port_text->size() > 5) return invalid(url, "port out of range 1-65535");
  unsigned value = 0;
  for (char c : *port_text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return invalid(url, "port is not a number");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return invalid(url, "port out of range 1-65535");
  out.port = static_cast<uint16_t>(value);
  return {};
}

}  // namespace

namespace {
// "host:port" (brackets around an IPv6 literal) appended to `out`.
void append_authority(std::string& out, std::string_view host, uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  if (v6) out += '[';
  out += host;
  if (v6) out += ']';
  out += ':';
  out += std::to_string(port);
}
}  // namespace

std::string HttpUrl::authority() const {
  std::string out;
  append_authority(out, host, port);
  return out;
}

std::string HttpUrl::join(std::string_view path) const {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string target;  // built once (a target is usually short enough to need no allocation)
  target.reserve(base_path.size() + 1 + path.size());
  target.append(base_path).append(1, '/').append(path);
  return target;
}

Expected<HttpUrl> parse_http_url(std::string_view input) {
  const std::string_view url = trim(input);
  if (url.empty()) return fail(ErrorCode::kInvalidArgument, "invalid URL: empty");
  for (char c : url) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) {
      return invalid(url, "contains whitespace or control characters");
    }
  }
  std::string_view rest = url;
  HttpUrl out;
  if (const auto sep = rest.find("://"); sep != std::string_view::npos) {
    const std::string_view scheme = rest.substr(0, sep);
    if (iequals(scheme, "https")) {
      out.tls = true;
    } else if (!iequals(scheme, "http")) {
      return invalid(url, "unsupported scheme '" + std::string(scheme) + "' (only http:// and https:// are supported)");
    }
    rest.remove_prefix(sep + 3);
  }
  out.port = out.tls ? 443 : 80;
  // authority = everything up to the first '/', '?' or '#'.
  const auto auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view path = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) {
    return invalid(url, "user credentials in the URL are not supported (pass an API key header instead)");
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    return invalid(url, "a query string or fragment is not allowed in the base URL");
  }
  if (auto r = parse_authority(url, authority, out); !r) return fail(r.error());
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.base_path = std::string(path);
  return out;
}

// Built in one buffer: the engine names every request's URL with it.
std::string HttpUrl::str() const {
  std::string out;
  out.reserve(16 + host.size() + base_path.size());
  out += tls ? "https://" : "http://";
  append_authority(out, host, port);
  out += base_path;
  return out;
}

namespace {

std::optional<uint32_t> ipv4(std::string_view text) {
  in_addr a{};
  if (::inet_pton(AF_INET, std::string(text).c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string ipv4_text(uint32_t host_order) {
  in_addr a{};
  a.s_addr = htonl(host_order);
  char buffer[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &a, buffer, sizeof buffer);
  return buffer;
}

bool is_ipv6(std::string_view text) {
  in6_addr a{};
  return ::inet_pton(AF_INET6, std::string(text).c_str(), &a) == 1;
}

}  // namespace

Expected<std::vector<std::string>> parse_source_addresses(std::string_view text) {
  std::vector<std::string> out;
  const auto bad = [&](std::string_view item, std::string_view why) {
    return fail(ErrorCode::kInvalidArgument, "invalid source address '" + std::string(item) + "': " + std::string(why));
  };
  for (bool more = true; more;) {
    const auto comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    more = comma != std::string_view::npos;
    if (more) text = text.substr(comma + 1);
    if (item.empty()) return bad(item, "empty item");
    if (const auto dash = item.find('-'); dash != std::string_view::npos) {
      const auto first = ipv4(trim(item.substr(0, dash)));
      const auto last = ipv4(trim(item.substr(dash + 1)));
      if (!first || !last) return bad(item, "a range is two IPv4 addresses, e.g. 127.0.0.2-127.0.0.40");
      if (*last < *first) return bad(item, "the range ends before it starts");
      if (*last - *first >= kMaxSourceAddresses - out.size()) return bad(item, "more than 65536 addresses");
      for (uint64_t a = *first; a <= *last; ++a) out.push_back(ipv4_text(static_cast<uint32_t>(a)));
      continue;
    }
    if (!ipv4(item) && !is_ipv6(item)) return bad(item, "not an IP address");
    if (out.size() >= kMaxSourceAddresses) return bad(item, "more than 65536 addresses");
    out.emplace_back(item);
  }
  return out;
}

}  // namespace aiperf::transport
