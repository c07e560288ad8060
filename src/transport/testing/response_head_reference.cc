// A frozen copy of the response head parser as it was before the one-pass scan (commit c8bf986),
// kept only as the reference of the differential test in response_head_test.cc. Do not change
// its behaviour: the point is that the production parser agrees with it byte for byte.
#include "transport/testing/response_head_reference.h"

#include <array>
#include <cstring>
#include <string>

namespace aiperf::transport::reference {
namespace {

constexpr uint64_t kMaxLength = uint64_t{1} << 62;

Error bad(std::string what) { return make_error(ErrorCode::kMalformedInput, std::move(what)); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ows(char c) { return c == ' ' || c == '\t'; }
// field-vchar, SP, HTAB and obs-text: everything but the other control characters.
bool is_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `s` equals the lowercase `word` ignoring ASCII case.
bool is_word(std::string_view s, std::string_view word) {
  if (s.size() != word.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (lower(s[i]) != word[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kShown = 40;
  std::string out = "'";
  for (char c : s.substr(0, kShown)) out += is_value_char(c) && c != '\t' ? c : '?';
  if (s.size() > kShown) out += "...";
  return out + "'";
}

// Calls `fn(element)` for each trimmed element of a comma-separated list (RFC 9110 5.6.1); empty
// elements are skipped, or passed on with `with_empty`.
template <class Fn>
bool each_element(std::string_view list, Fn fn, bool with_empty = false) {
  while (true) {
    const std::size_t comma = list.find(',');
    const std::string_view e = trim(list.substr(0, comma));
    if ((with_empty || !e.empty()) && !fn(e)) return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

// What the framing fields said, gathered over every field line.
struct Framing {
  std::optional<uint64_t> content_length;
  bool transfer_encoding = false;
  bool chunked_last = false;
  bool close = false;
  bool keep_alive = false;
  bool has_encoding = false;
};

std::optional<Error> apply_content_length(std::string_view value, Framing& f) {
  // One value, or a list of identical ones (RFC 9110 8.6); repeated fields must agree too.
  std::optional<Error> error;
  const bool ok = each_element(value, [&](std::string_view e) {
    if (e.empty()) {
      error = bad("invalid Content-Length " + quoted(value));
      return false;
    }
    uint64_t n = 0;
    for (char c : e) {
      if (!is_digit(c)) {
        error = bad("invalid Content-Length " + quoted(value));
        return false;
      }
      n = n * 10 + static_cast<uint64_t>(c - '0');
      if (n > kMaxLength) {
        error = bad("Content-Length " + quoted(value) + " is too large");
        return false;
      }
    }
    if (f.content_length && *f.content_length != n) {
      error = bad("conflicting Content-Length values (" + std::to_string(*f.content_length) + " and " +
                  std::to_string(n) + ")");
      return false;
    }
    f.content_length = n;
    return true;
  }, true);
  if (!ok) return error;
  return std::nullopt;
}

std::optional<Error> apply_transfer_encoding(std::string_view value, Framing& f) {
  std::optional<Error> error;
  each_element(value, [&](std::string_view coding) {
    if (f.chunked_last) {
      error = bad("Transfer-Encoding applies a coding after chunked " + quoted(value));
      return false;
    }
    if (!is_word(coding, "chunked")) {
      error = make_error(ErrorCode::kUnsupported, "transfer coding " + quoted(coding) +
                                                      " is not supported (aiperf decodes chunked only)");
      return false;
    }
    f.chunked_last = true;
    return true;
  });
  f.transfer_encoding = true;
  return error;
}

std::optional<Error> apply_connection(std::string_view value, Framing& f) {
  const bool ok = each_element(value, [&](std::string_view option) {
    for (char c : option) {
      if (!is_tchar(c)) return false;
    }
    if (is_word(option, "close")) f.close = true;
    if (is_word(option, "keep-alive")) f.keep_alive = true;
    return true;
  });
  if (!ok) return bad("invalid Connection " + quoted(value) + " (a list of tokens)");
  return std::nullopt;
}

// Notes the fields that frame the message; the others are only collected.
std::optional<Error> apply_field(std::string_view name, std::string_view value, Framing& f, ResponseHead& h) {
  switch (name.size()) {
    case 10:
      if (is_word(name, "connection")) return apply_connection(value, f);
      break;
    case 14:
      if (is_word(name, "content-length")) return apply_content_length(value, f);
      break;
    case 16:
      if (!f.has_encoding && is_word(name, "content-encoding")) {
        f.has_encoding = true;
        h.content_encoding = value;
      }
      break;
    case 17:
      if (is_word(name, "transfer-encoding")) return apply_transfer_encoding(value, f);
      break;
    default: break;
  }
  return std::nullopt;
}

// True when `s` holds only field-value characters (HTAB, SP, VCHAR, obs-text). Eight bytes at a
// time: a word with a byte below 0x20 or equal to 0x7f is looked at byte by byte (HTAB is allowed).
bool all_value_chars(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHigh = 0x8080808080808080;
  const char* p = s.data();
  const char* const end = p + s.size();
  for (; end - p >= 8; p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    const uint64_t del = w ^ (kOnes * 0x7f);
    const bool suspect = (((w - kOnes * 0x20) & ~w) | ((del - kOnes) & ~del)) & kHigh;
    if (suspect) {
      for (int i = 0; i < 8; ++i) {
        if (!is_value_char(p[i])) return false;
      }
    }
  }
  for (; p < end; ++p) {
    if (!is_value_char(*p)) return false;
  }
  return true;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ]
std::optional<Error> parse_status_line(std::string_view line, ResponseHead& h) {
  const bool shaped = line.size() >= 13 && line.substr(0, 5) == "HTTP/" && is_digit(line[5]) && line[6] == '.' &&
                      is_digit(line[7]) && line[8] == ' ' && is_digit(line[9]) && is_digit(line[10]) &&
                      is_digit(line[11]) && line[12] == ' ';
  if (!shaped) return bad("bad status line " + quoted(line));
  if (line[5] != '1') return bad("unsupported HTTP version " + quoted(line.substr(0, 8)));
  h.minor_version = line[7] == '0' ? 0 : 1;
  h.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (h.status < 100) return bad("bad status code " + quoted(line.substr(9, 3)));
  h.reason = line.substr(13);
  if (!all_value_chars(h.reason)) return bad("control character in the reason phrase");
  return std::nullopt;
}

// Why a field line without the shape name ":" is bad.
Error field_line_error(std::string_view line) {
  if (is_ows(line.front())) return bad("obsolete line folding (a header line starting with whitespace)");
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bad("header line without a colon " + quoted(line));
  const std::string_view name = line.substr(0, colon);
  if (name.empty()) return bad("header line with an empty field name");
  for (char c : name) {
    if (is_ows(c)) return bad("whitespace in or after the field name " + quoted(name));
  }
  return bad("invalid character in the field name " + quoted(name));
}

// field-line = field-name ":" OWS field-value OWS
std::optional<Error> parse_field_line(std::string_view line, std::vector<HeaderField>& fields, std::size_t max_fields) {
  const char* const begin = line.data();
  const char* const end = begin + line.size();
  const char* p = begin;
  while (p < end && is_tchar(*p)) ++p;
  if (p == begin || p == end || *p != ':') return field_line_error(line);
  const std::string_view name(begin, static_cast<std::size_t>(p - begin));
  ++p;
  while (p < end && is_ows(*p)) ++p;
  const char* last = end;
  while (last > p && is_ows(last[-1])) --last;
  const std::string_view value(p, static_cast<std::size_t>(last - p));
  if (!all_value_chars(value)) return bad("control character in the value of field " + quoted(name));
  if (fields.size() >= max_fields) return bad("more than " + std::to_string(max_fields) + " header fields");
  fields.push_back(HeaderField{name, value});
  return std::nullopt;
}

// RFC 9112 6.3: which framing applies, and whether the connection stays open.
std::optional<Error> decide_framing(const Framing& f, bool head_request, ResponseHead& h) {
  h.keep_alive = h.minor_version == 0 ? f.keep_alive && !f.close : !f.close;
  if (f.transfer_encoding && h.minor_version == 0) return bad("Transfer-Encoding in an HTTP/1.0 response");
  if (f.transfer_encoding && f.content_length) return bad("both Content-Length and Transfer-Encoding");
  const int s = h.status;
  if (head_request || s < 200 || s == 204 || s == 304) {
    h.framing = BodyFraming::kNone;
    if (s == 101) h.keep_alive = false;  // the connection now speaks another protocol
    return std::nullopt;
  }
  if (f.transfer_encoding) {
    h.framing = BodyFraming::kChunked;
  } else if (f.content_length) {
    h.framing = BodyFraming::kLength;
    h.content_length = *f.content_length;
  } else {
    h.framing = BodyFraming::kUntilClose;
    h.keep_alive = false;
  }
  return std::nullopt;
}

}  // namespace

Expected<ResponseHead> parse_complete_head(std::string_view in, std::vector<HeaderField>& fields, bool head_request,
                                           std::size_t max_fields) {
  fields.clear();
  ResponseHead h;
  h.head_bytes = in.size();
  if (std::memchr(in.data(), '\0', in.size()) != nullptr) return tl::unexpected(bad("NUL byte in the response head"));
  std::size_t eol = in.find("\r\n");
  if (auto e = parse_status_line(in.substr(0, eol), h)) return tl::unexpected(std::move(*e));
  Framing framing;
  const std::size_t end = in.size() - 2;  // the empty line
  for (std::size_t pos = eol + 2; pos < end; pos = eol + 2) {
    const void* cr = std::memchr(in.data() + pos, '\r', end - pos);
    eol = cr != nullptr ? static_cast<std::size_t>(static_cast<const char*>(cr) - in.data()) : end;
    if (in[eol + 1] != '\n') eol = in.find("\r\n", pos);  // a lone CR: the value check names it
    const std::string_view line = in.substr(pos, eol - pos);
    if (auto e = parse_field_line(line, fields, max_fields)) return tl::unexpected(std::move(*e));
    if (auto e = apply_field(fields.back().name, fields.back().value, framing, h)) return tl::unexpected(std::move(*e));
  }
  if (auto e = decide_framing(framing, head_request, h)) return tl::unexpected(std::move(*e));
  return h;
}

Expected<std::optional<ResponseHead>> ResponseHeadParser::parse(std::string_view in, std::vector<HeaderField>& fields,
                                                                bool head_request) {
  // Fail early on a peer that is not speaking HTTP/1.x (an HTTP/2 server, garbage).
  constexpr std::string_view kHttp = "HTTP/";
  if (in.substr(0, kHttp.size()) != kHttp.substr(0, std::min(in.size(), kHttp.size()))) {
    return tl::unexpected(bad("bad status line " + quoted(in.substr(0, in.find('\r')))));
  }
  const std::size_t limit = std::min(in.size(), limits_.max_head_bytes);
  for (std::size_t pos = scanned_; pos < limit;) {
    const void* nl = std::memchr(in.data() + pos, '\n', limit - pos);
    if (nl == nullptr) break;
    const std::size_t i = static_cast<std::size_t>(static_cast<const char*>(nl) - in.data());
    if (i == 0 || in[i - 1] != '\r') return tl::unexpected(bad("bare LF in the response head (lines end with CRLF)"));
    if (i >= 3 && in[i - 2] == '\n') {  // "\r\n\r\n": the empty line ends the head
      scanned_ = 0;
      auto head = reference::parse_complete_head(in.substr(0, i + 1), fields, head_request, limits_.max_fields);
      if (!head) return tl::unexpected(std::move(head.error()));
      return std::optional<ResponseHead>(*head);
    }
    if (i == 1) return tl::unexpected(bad("empty status line"));
    pos = i + 1;
  }
  scanned_ = limit;
  if (in.size() >= limits_.max_head_bytes) {
    return tl::unexpected(make_error(ErrorCode::kTooLarge, "response head larger than " +
                                                               std::to_string(limits_.max_head_bytes) + " bytes"));
  }
  return std::optional<ResponseHead>();
}

}  // namespace aiperf::transport::reference
