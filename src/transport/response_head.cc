#include "transport/response_head.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace aiperf::transport {
namespace {

constexpr std::size_t kMaxChunkLine = 4096;      // chunk size and extensions
constexpr std::size_t kMaxTrailer = 64 * 1024;   // trailer fields together
constexpr uint64_t kMaxLength = uint64_t{1} << 62;

// Cold: a bad head is rare, and the message building stays out of the parsing loops.
[[gnu::cold, gnu::noinline]] Error bad(std::string what) {
  return make_error(ErrorCode::kMalformedInput, std::move(what));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ows(char c) { return c == ' ' || c == '\t'; }
// field-vchar, SP, HTAB and obs-text: everything but the other control characters.
bool is_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr uint64_t kOnes = 0x0101010101010101, kHigh = 0x8080808080808080;

uint16_t load2(const char* p) {
  uint16_t w;
  std::memcpy(&w, p, 2);
  return w;
}

uint64_t load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Bit 7 of each byte is set where `w` holds a byte below kLowest (0x20: a control character), or
// 0x7f. The sums are of 7-bit values, so no carry crosses a byte.
template <unsigned kLowest = 0x20>
uint64_t control_bytes(uint64_t w) {
  const uint64_t low7 = w & ~kHigh;
  const uint64_t at_least_lowest = low7 + kOnes * (0x80 - kLowest);
  const uint64_t del = low7 + kOnes;
  return (~at_least_lowest | del) & ~w & kHigh;
}

// The first control character (HTAB included) in [p, end), or end; with kLowest = 0x21, the
// first control character or space. Sixteen bytes at a time with SSE2 (x86-64 always has it),
// eight at a time in a word otherwise, the rest one at a time.
template <unsigned kLowest = 0x20>
[[gnu::always_inline]] inline const char* find_control(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i last_refused = _mm_set1_epi8(static_cast<char>(kLowest - 1)), del = _mm_set1_epi8(0x7f);
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i below_lowest = _mm_cmpeq_epi8(_mm_min_epu8(v, last_refused), v);
    const int mask = _mm_movemask_epi8(_mm_or_si128(below_lowest, _mm_cmpeq_epi8(v, del)));
    if (mask != 0) return p + std::countr_zero(static_cast<unsigned>(mask));
  }
#endif
  for (; end - p >= 8; p += 8) {
    uint64_t m = control_bytes<kLowest>(load8(p));
    if (m == 0) continue;
    if constexpr (std::endian::native == std::endian::big) m = __builtin_bswap64(m);
    return p + std::countr_zero(m) / 8;
  }
  while (p < end && static_cast<unsigned char>(*p) >= kLowest && *p != 0x7f) ++p;
  return p;
}

// The CR of the CRLF ending the text from `p` (a reason phrase, a field line), or nullptr when a
// control character other than HTAB comes first or the line has not fully arrived.
[[gnu::always_inline]] inline const char* find_crlf(const char* p, const char* end) {
  for (;; ++p) {
    p = find_control(p, end);
    if (end - p >= 2 && load2(p) == load2("\r\n")) return p;
    if (p == end || *p != '\t') return nullptr;
  }
}

// The end of the field name at `p`: its first byte that is not a tchar (the line's CR at the
// latest). With SSE2, a usual name (letters, digits and '-') up to a ':' within 16 bytes is checked
// in one step; any other name byte by byte.
[[gnu::always_inline]] inline const char* name_end(const char* p, const char* end) {
#if defined(__SSE2__)
  if (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto in_range = [](__m128i x, char lo, char hi) {  // signed: bytes from 0x80 are below
      return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(lo - 1))),
                           _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(hi + 1))));
    };
    const __m128i letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    const __m128i dash = _mm_cmpeq_epi8(v, _mm_set1_epi8('-'));
    const __m128i plain = _mm_or_si128(_mm_or_si128(letter, in_range(v, '0', '9')), dash);
    const auto colons = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(':'))));
    const unsigned before = (colons & (0u - colons)) - 1;  // the bytes before the first ':'
    if (colons != 0 && (static_cast<unsigned>(_mm_movemask_epi8(plain)) & before) == before) {
      return p + std::countr_zero(colons);
    }
  }
#endif
  while (is_tchar(*p)) ++p;
  return p;
}

// True when `s` holds only field-value characters (HTAB, SP, VCHAR, obs-text).
bool all_value_chars(std::string_view s) {
  const char* const end = s.data() + s.size();
  const char* p = find_control(s.data(), end);
  while (p < end && *p == '\t') p = find_control(p + 1, end);
  return p == end;
}

// A lowercase word (a field name, an option) to compare with: its text, and for each 8 bytes
// compared at once (the last 8 overlapping the ones before) their value and the case bits of their
// letters, all computed at compile time.
template <std::size_t N>
struct Word {
  static constexpr std::size_t kSize = N - 1;
  static constexpr std::size_t kChunks = kSize < 8 ? 0 : (kSize + 7) / 8;

  consteval Word(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
    for (std::size_t c = 0; c < kChunks; ++c) {
      const std::size_t at = c + 1 == kChunks ? kSize - 8 : 8 * c;
      for (std::size_t i = 0; i < 8; ++i) {
        const auto shift = 8 * (std::endian::native == std::endian::little ? i : 7 - i);
        bytes[c] |= uint64_t{static_cast<unsigned char>(text[at + i])} << shift;
        if (text[at + i] >= 'a' && text[at + i] <= 'z') case_bits[c] |= uint64_t{0x20} << shift;
      }
    }
  }

  char text[N]{};
  uint64_t bytes[kChunks + 1]{};
  uint64_t case_bits[kChunks + 1]{};
};

// `s` equals the lowercase word `W` ignoring ASCII case (is_word<"close">(s)).
template <Word W>
bool is_word(std::string_view s) {
  constexpr std::size_t n = decltype(W)::kSize;
  if (s.size() != n) return false;
  if constexpr (n < 8) {
    for (std::size_t i = 0; i < n; ++i) {
      if (lower(s[i]) != W.text[i]) return false;
    }
  } else {
    for (std::size_t c = 0; c < decltype(W)::kChunks; ++c) {
      const std::size_t at = c + 1 == decltype(W)::kChunks ? n - 8 : 8 * c;
      if ((load8(s.data() + at) | W.case_bits[c]) != W.bytes[c]) return false;
    }
  }
  return true;
}

bool all_tchars(std::string_view s) {
  for (char c : s) {
    if (!is_tchar(c)) return false;
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

[[gnu::cold, gnu::noinline]] Error conflicting_lengths(uint64_t before, uint64_t now) {
  return bad("conflicting Content-Length values (" + std::to_string(before) + " and " + std::to_string(now) + ")");
}

// One value, or a list of identical ones (RFC 9110 8.6); repeated fields must agree too.
[[gnu::noinline]] std::optional<Error> apply_content_length_list(std::string_view value, Framing& f) {
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
      error = conflicting_lengths(*f.content_length, n);
      return false;
    }
    f.content_length = n;
    return true;
  }, true);
  if (!ok) return error;
  return std::nullopt;
}

std::optional<Error> apply_content_length(std::string_view value, Framing& f) {
  // The usual value, a few digits and nothing else, here (18 digits cannot exceed kMaxLength).
  if (value.empty() || value.size() > 18) return apply_content_length_list(value, f);
  uint64_t n = 0;
  for (char c : value) {
    if (!is_digit(c)) return apply_content_length_list(value, f);
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (f.content_length && *f.content_length != n) return conflicting_lengths(*f.content_length, n);
  f.content_length = n;
  return std::nullopt;
}

[[gnu::noinline]] std::optional<Error> apply_transfer_encoding(std::string_view value, Framing& f) {
  std::optional<Error> error;
  each_element(value, [&](std::string_view coding) {
    if (f.chunked_last) {
      error = bad("Transfer-Encoding applies a coding after chunked " + quoted(value));
      return false;
    }
    if (!is_word<"chunked">(coding)) {
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

// A list of connection options (RFC 9110 7.6.1): the general form of apply_connection.
[[gnu::noinline]] std::optional<Error> apply_connection_list(std::string_view value, Framing& f) {
  const bool ok = each_element(value, [&](std::string_view o) {
    if (!all_tchars(o)) return false;
    if (is_word<"close">(o)) f.close = true;
    if (is_word<"keep-alive">(o)) f.keep_alive = true;
    return true;
  });
  if (!ok) return bad("invalid Connection " + quoted(value) + " (a list of tokens)");
  return std::nullopt;
}

std::optional<Error> apply_connection(std::string_view value, Framing& f) {
  // The usual value, one of the two options alone, here.
  if (is_word<"keep-alive">(value)) {
    f.keep_alive = true;
  } else if (is_word<"close">(value)) {
    f.close = true;
  } else {
    return apply_connection_list(value, f);
  }
  return std::nullopt;
}

// Notes the fields that frame the message; the others are only collected.
std::optional<Error> apply_field(std::string_view name, std::string_view value, Framing& f, ResponseHead& h) {
  switch (name.size()) {
    case 10:
      if (is_word<"connection">(name)) return apply_connection(value, f);
      break;
    case 14:
      if (is_word<"content-length">(name)) return apply_content_length(value, f);
      break;
    case 16:
      if (!f.has_encoding && is_word<"content-encoding">(name)) {
        f.has_encoding = true;
        h.content_encoding = value;
      }
      break;
    case 17:
      if (is_word<"transfer-encoding">(name)) return apply_transfer_encoding(value, f);
      break;
    default: break;
  }
  return std::nullopt;
}

// The name has the length of one that apply_field looks at (most fields need no call).
bool may_frame(std::string_view name) {
  constexpr uint32_t kLengths = 1u << 10 | 1u << 14 | 1u << 16 | 1u << 17;
  return name.size() < 32 && ((kLengths >> name.size()) & 1) != 0;
}

// "HTTP/d.d ddd " (the status line up to its reason phrase).
bool status_line_shaped(std::string_view line) {
  return line.size() >= 13 && line.substr(0, 5) == "HTTP/" && is_digit(line[5]) && line[6] == '.' &&
         is_digit(line[7]) && line[8] == ' ' && is_digit(line[9]) && is_digit(line[10]) && is_digit(line[11]) &&
         line[12] == ' ';
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ]
std::optional<Error> parse_status_line(std::string_view line, ResponseHead& h) {
  if (!status_line_shaped(line)) return bad("bad status line " + quoted(line));
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

// The field lines from `p` up to the empty line, each checked and applied as it is read; the end of
// the empty line's CRLF, or nullptr when a line breaks a rule or has not fully arrived.
const char* scan_fields(const char* p, const char* end, std::vector<HeaderField>& fields, std::size_t max_fields,
                        Framing& framing, ResponseHead& h) {
  // No reserve: the list grows as before, and the client keeps it (at the size of its usual
  // responses, a few hundred bytes) from one response to the next.
  fields.clear();
  while (true) {
    if (end - p < 2) return nullptr;
    if (p[0] == '\r') return p[1] == '\n' ? p + 2 : nullptr;
    // The line's end first: its CR then stops the scans below (only HTAB may come before it, and
    // CR is neither a tchar nor OWS).
    const char* const cr = find_crlf(p, end);
    if (cr == nullptr) return nullptr;
    const char* const colon = name_end(p, end);
    if (colon == p || *colon != ':' || fields.size() >= max_fields) return nullptr;
    const char* value = colon + 1 + (colon[1] == ' ');  // the usual single space, without a branch
    while (is_ows(*value)) ++value;
    const char* last = cr;
    while (last > value && is_ows(last[-1])) --last;
    const HeaderField f{std::string_view(p, static_cast<std::size_t>(colon - p)),
                        std::string_view(value, static_cast<std::size_t>(last - value))};
    fields.push_back(f);  // push_back(const&) is inlined; push_back(&&) calls emplace_back, which is not
    if (may_frame(f.name) && apply_field(f.name, f.value, framing, h)) return nullptr;
    p = cr + 2;
  }
}

// The one pass that parse() and parse_complete_head() try first: a head at the start of `in` that
// breaks no rule, every line end, name and value checked as it is read. nullopt when the head is
// incomplete or wrong: the general path (explain_head) then finds what is wrong, in its order.
std::optional<ResponseHead> scan_head(std::string_view in, std::vector<HeaderField>& fields, bool head_request,
                                      std::size_t max_fields) {
  // status_line_shaped(in) && in[5] == '1', the first seven bytes compared at once.
  constexpr uint64_t kNotMinor = std::endian::native == std::endian::little ? ~(uint64_t{0xff} << 56) : ~uint64_t{0xff};
  const bool shaped = in.size() >= 13 && (load8(in.data()) & kNotMinor) == (load8("HTTP/1.0") & kNotMinor) &&
                      is_digit(in[7]) && in[8] == ' ' && is_digit(in[9]) && is_digit(in[10]) && is_digit(in[11]) &&
                      in[12] == ' ';
  if (!shaped) return std::nullopt;
  ResponseHead h;
  h.minor_version = in[7] == '0' ? 0 : 1;
  h.status = (in[9] - '0') * 100 + (in[10] - '0') * 10 + (in[11] - '0');
  const char* const end = in.data() + in.size();
  const char* const cr = find_crlf(in.data() + 13, end);
  if (h.status < 100 || cr == nullptr) return std::nullopt;
  h.reason = std::string_view(in.data() + 13, static_cast<std::size_t>(cr - in.data() - 13));
  Framing framing;
  const char* const head_end = scan_fields(cr + 2, end, fields, max_fields, framing, h);
  if (head_end == nullptr || decide_framing(framing, head_request, h)) {
    fields.clear();  // no views of a head not accepted
    return std::nullopt;
  }
  h.head_bytes = static_cast<std::size_t>(head_end - in.data());
  return h;
}

// The general path, for a head the one pass did not accept: checks in the order that decides
// which error is reported (a NUL anywhere first, then line by line).
[[gnu::cold, gnu::noinline]] Expected<ResponseHead> explain_head(std::string_view in, std::vector<HeaderField>& fields,
                                                                 bool head_request, std::size_t max_fields) {
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

// The general path of parse(), for a head arriving in pieces or a bad one: finds the end of the head
// in the bytes not looked at before (a bare LF or too many bytes are errors here), then parses it.
[[gnu::noinline]] Expected<std::optional<ResponseHead>> find_head(
    std::string_view in, std::vector<HeaderField>& fields, bool head_request, HeadLimits limits, std::size_t& scanned) {
  // Fail early on a peer that is not speaking HTTP/1.x (an HTTP/2 server, garbage).
  constexpr std::string_view kHttp = "HTTP/";
  if (in.substr(0, kHttp.size()) != kHttp.substr(0, std::min(in.size(), kHttp.size()))) {
    return tl::unexpected(bad("bad status line " + quoted(in.substr(0, in.find('\r')))));
  }
  const std::size_t limit = std::min(in.size(), limits.max_head_bytes);
  for (std::size_t pos = scanned; pos < limit;) {
    const void* nl = std::memchr(in.data() + pos, '\n', limit - pos);
    if (nl == nullptr) break;
    const std::size_t i = static_cast<std::size_t>(static_cast<const char*>(nl) - in.data());
    if (i == 0 || in[i - 1] != '\r') return tl::unexpected(bad("bare LF in the response head (lines end with CRLF)"));
    if (i >= 3 && in[i - 2] == '\n') {  // "\r\n\r\n": the empty line ends the head
      scanned = 0;
      auto head = parse_complete_head(in.substr(0, i + 1), fields, head_request, limits.max_fields);
      if (!head) return tl::unexpected(std::move(head.error()));
      return std::optional<ResponseHead>(*head);
    }
    if (i == 1) return tl::unexpected(bad("empty status line"));
    pos = i + 1;
  }
  scanned = limit;
  if (in.size() >= limits.max_head_bytes) {
    return tl::unexpected(make_error(ErrorCode::kTooLarge, "response head larger than " +
                                                               std::to_string(limits.max_head_bytes) + " bytes"));
  }
  return std::optional<ResponseHead>();
}


}  // namespace

Expected<ResponseHead> parse_complete_head(std::string_view in, std::vector<HeaderField>& fields, bool head_request,
                                           std::size_t max_fields) {
  if (auto h = scan_head(in, fields, head_request, max_fields); h && h->head_bytes == in.size()) return *h;
  return explain_head(in, fields, head_request, max_fields);
}

Expected<std::optional<ResponseHead>> ResponseHeadParser::parse(std::string_view in, std::vector<HeaderField>& fields,
                                                                bool head_request) {
  // The usual case, a whole head in the first read with nothing wrong, in one pass. Otherwise (a
  // head arriving in pieces, or a bad one) the general path finds its end first, as it always did.
  if (scanned_ == 0) {
    auto head = scan_head(in.substr(0, std::min(in.size(), limits_.max_head_bytes)), fields, head_request,
                          limits_.max_fields);
    if (head) return std::optional<ResponseHead>(*head);
  }
  return find_head(in, fields, head_request, limits_, scanned_);
}

BodyDecoder::BodyDecoder(const ResponseHead& head) {
  switch (head.framing) {
    case BodyFraming::kNone: state_ = State::kDone; break;
    case BodyFraming::kLength:
      remaining_ = head.content_length;
      state_ = remaining_ == 0 ? State::kDone : State::kLength;
      break;
    case BodyFraming::kChunked: state_ = State::kSize; break;
    case BodyFraming::kUntilClose: state_ = State::kUntilClose; break;
  }
}

Expected<std::string_view> BodyDecoder::next(std::string_view& in) {
  std::string_view out;
  switch (state_) {
    case State::kDone: return out;
    case State::kUntilClose:
      out = in;
      in = {};
      return out;
    case State::kLength: {
      const std::size_t n = remaining_ < in.size() ? static_cast<std::size_t>(remaining_) : in.size();
      out = in.substr(0, n);
      in.remove_prefix(n);
      remaining_ -= n;
      if (remaining_ == 0) state_ = State::kDone;
      return out;
    }
    default: return next_chunked(in);
  }
}

// One character of a chunk-size line in kSize, kExtension or kSizeLf; true when the line is done.
Expected<bool> BodyDecoder::chunk_size_char(char c) {
  if (++line_bytes_ > kMaxChunkLine) return tl::unexpected(bad("chunk size line longer than 4096 bytes"));
  if (c == '\n' && state_ != State::kSizeLf) {
    return tl::unexpected(bad("bare LF after a chunk size (lines end with CRLF)"));
  }
  if (state_ == State::kSizeLf) {
    if (c != '\n') return tl::unexpected(bad("CR without LF after a chunk size"));
    return true;
  }
  if (state_ == State::kSize) {
    const int v = is_digit(c) ? c - '0' : (lower(c) >= 'a' && lower(c) <= 'f') ? lower(c) - 'a' + 10 : -1;
    if (v >= 0) {
      if (++digits_ > 15) return tl::unexpected(bad("chunk size too large"));
      remaining_ = remaining_ * 16 + static_cast<uint64_t>(v);
      return false;
    }
    if (digits_ == 0) return tl::unexpected(bad("bad chunk size (no hex digit)"));
    if (c != ';' && !is_ows(c) && c != '\r') return tl::unexpected(bad("bad chunk size (invalid character)"));
    state_ = State::kExtension;
    ext_ = Ext::kStart;
  }
  if (!extension_char(c)) return tl::unexpected(bad("bad chunk extension"));
  return false;
}

// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), checked and skipped;
// false on a character the grammar does not allow there. CR ends the line where a chunk-ext may end
// (whitespace is allowed only before ';' and around '=').
bool BodyDecoder::extension_char(char c) {
  const bool ows = is_ows(c), tchar = is_tchar(c);
  if (c == '\r') {
    const bool may_end = ext_ == Ext::kStart || ext_ == Ext::kName || ext_ == Ext::kToken || ext_ == Ext::kAfterQuoted;
    if (may_end) state_ = State::kSizeLf;
    return may_end;
  }
  switch (ext_) {
    case Ext::kStart:
    case Ext::kAfterQuoted:
    case Ext::kBws:
    case Ext::kToken:
      if (c == ';') ext_ = Ext::kBeforeName;
      else if (ows) ext_ = Ext::kBws;
      else return ext_ == Ext::kToken && tchar;
      return true;
    case Ext::kBeforeName:
      if (tchar) ext_ = Ext::kName;
      return ows || tchar;
    case Ext::kName:
    case Ext::kNameBws:
      if (c == '=') ext_ = Ext::kBeforeValue;
      else if (c == ';') ext_ = Ext::kBeforeName;
      else if (ows) ext_ = Ext::kNameBws;
      else return ext_ == Ext::kName && tchar;
      return true;
    case Ext::kBeforeValue:
      if (c == '"') ext_ = Ext::kQuoted;
      else if (tchar) ext_ = Ext::kToken;
      return ows || tchar || c == '"';
    case Ext::kQuoted:
      if (c == '"') ext_ = Ext::kAfterQuoted;
      else if (c == '\\') ext_ = Ext::kEscape;
      return is_value_char(c);
    case Ext::kEscape:
      ext_ = Ext::kQuoted;
      return is_value_char(c);
  }
  return false;
}

Expected<std::string_view> BodyDecoder::next_chunked(std::string_view& in) {
  while (!in.empty()) {
    const char c = in.front();
    switch (state_) {
      case State::kData: {
        const std::size_t n = remaining_ < in.size() ? static_cast<std::size_t>(remaining_) : in.size();
        std::string_view out = in.substr(0, n);
        in.remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kDataCr;
        return out;
      }
      case State::kSize:
      case State::kExtension:
      case State::kSizeLf: {
        auto line_done = chunk_size_char(c);
        if (!line_done) return tl::unexpected(std::move(line_done.error()));
        if (*line_done) state_ = remaining_ == 0 ? State::kTrailerStart : State::kData;
        break;
      }
      case State::kDataCr:
        if (c != '\r') return tl::unexpected(bad("chunk data not followed by CRLF"));
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (c != '\n') return tl::unexpected(bad("chunk data not followed by CRLF"));
        state_ = State::kSize;
        digits_ = 0;
        line_bytes_ = 0;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kEndLf;
          break;
        }
        if (is_ows(c)) return tl::unexpected(bad("obsolete line folding in the trailer"));
        if (!is_tchar(c)) return tl::unexpected(bad("bad trailer field name"));
        state_ = State::kTrailerName;
        break;
      case State::kTrailerName:  // field-name ":"
        if (++trailer_bytes_ > kMaxTrailer) return tl::unexpected(bad("trailer fields larger than 65536 bytes"));
        if (c == ':') state_ = State::kTrailerValue;
        else if (!is_tchar(c)) return tl::unexpected(bad("bad trailer field name"));
        break;
      case State::kTrailerValue:
        if (++trailer_bytes_ > kMaxTrailer) return tl::unexpected(bad("trailer fields larger than 65536 bytes"));
        if (c == '\r') state_ = State::kTrailerLf;
        else if (!is_value_char(c)) return tl::unexpected(bad("control character in a trailer field"));
        break;
      case State::kTrailerLf:
      case State::kEndLf:
        if (c != '\n') return tl::unexpected(bad("CR without LF in the trailer"));
        state_ = state_ == State::kEndLf ? State::kDone : State::kTrailerStart;
        break;
      default: return std::string_view();
    }
    in.remove_prefix(1);
    if (state_ == State::kDone) break;
  }
  return std::string_view();
}

// Both on find_control (16 bytes at a time): a value may hold HTAB and other controls, only
// CR, LF and NUL are refused; a target refuses every control and the space.
bool has_cr_lf_or_nul(std::string_view s) {
  const char* end = s.data() + s.size();
  for (const char* p = find_control(s.data(), end); p != end; p = find_control(p + 1, end)) {
    if (*p == '\r' || *p == '\n' || *p == '\0') return true;
  }
  return false;
}

bool has_space_or_control(std::string_view s) {
  const char* end = s.data() + s.size();
  return find_control<0x21>(s.data(), end) != end;
}

}  // namespace aiperf::transport
