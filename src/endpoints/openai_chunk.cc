#include "endpoints/openai_chunk.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace aiperf::endpoints {
namespace {

constexpr int kMaxDepth = 64;

// The first byte at or after `p` that needs a look inside a JSON string: '"', '\\', a
// control character, or a non-ASCII byte. Eight bytes at a time (SWAR): in each of
// the masks the lowest flagged byte is exact, which is the one returned.
const char* scan_plain(const char* p, const char* end) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  while (end - p >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    const uint64_t quote = v ^ (kOnes * '"'), slash = v ^ (kOnes * '\\');
    const uint64_t special = ((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash) |
                             ((v - kOnes * 0x20) & ~v) | v;
    if (const uint64_t hit = special & kHigh) return p + (__builtin_ctzll(hit) >> 3);
    p += 8;
  }
  while (p != end && static_cast<unsigned char>(*p) >= 0x20 && static_cast<unsigned char>(*p) < 0x80 &&
         *p != '"' && *p != '\\') {
    ++p;
  }
  return p;
}

// A strict single-pass JSON reader over [p, end): every value it steps over is checked
// against RFC 8259 (grammar, escapes, UTF-8), so that accepting means "valid JSON".
class Reader {
 public:
  explicit Reader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool at_end() {
    ws();
    return p_ == end_;
  }
  // Consumes `c` (after whitespace) when it is next.
  bool eat(char c) {
    ws();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool peek(char c) {
    ws();
    return p_ != end_ && *p_ == c;
  }
  bool literal(std::string_view word) {
    ws();
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }
  // An object key without escapes (a key with one is declined: the general parser unescapes it).
  bool key(std::string_view& out) {
    if (!eat('"')) return false;
    const char* start = p_;
    p_ = scan_plain(p_, end_);
    if (p_ == end_ || *p_ != '"') return false;
    out = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return eat(':');
  }
  // A string value, unescaped and appended to `out` (nullptr: only checked).
  bool string(std::string* out);
  // A non-negative integer without sign, fraction or exponent that fits in 64 bits.
  bool count(uint64_t& n) {
    ws();
    const char* start = p_;
    n = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      if (p_ - start >= 19) return false;
      n = n * 10 + static_cast<uint64_t>(*p_ - '0');
      ++p_;
    }
    if (p_ == start || (p_ - start > 1 && *start == '0')) return false;
    return p_ == end_ || (*p_ != '.' && *p_ != 'e' && *p_ != 'E');
  }
  bool skip_value(int depth = 0);

 private:
  void ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool number();
  bool escape(std::string* out);
  bool utf8(std::string* out);
  bool hex4(uint32_t& v) {
    if (end_ - p_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  }

  const char* p_;
  const char* end_;
};

bool Reader::string(std::string* out) {
  if (!eat('"')) return false;
  for (;;) {
    const char* run = p_;
    p_ = scan_plain(p_, end_);
    if (out) out->append(run, static_cast<std::size_t>(p_ - run));
    if (p_ == end_) return false;
    const auto c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      ++p_;
      return true;
    }
    if (c < 0x20) return false;
    if (c == '\\') {
      if (!escape(out)) return false;
    } else if (!utf8(out)) {
      return false;
    }
  }
}

bool Reader::escape(std::string* out) {
  ++p_;  // the backslash
  if (p_ == end_) return false;
  const char c = *p_++;
  char plain = 0;
  switch (c) {
    case '"': plain = '"'; break;
    case '\\': plain = '\\'; break;
    case '/': plain = '/'; break;
    case 'b': plain = '\b'; break;
    case 'f': plain = '\f'; break;
    case 'n': plain = '\n'; break;
    case 'r': plain = '\r'; break;
    case 't': plain = '\t'; break;
    case 'u': break;
    default: return false;
  }
  if (c != 'u') {
    if (out) out->push_back(plain);
    return true;
  }
  uint32_t cp = 0;
  if (!hex4(cp)) return false;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate: the general parser decides
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    uint32_t low = 0;
    if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') return false;
    p_ += 2;
    if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  if (!out) return true;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return true;
}

// One UTF-8 sequence (RFC 3629: no overlongs, surrogates, or code points past U+10FFFF).
bool Reader::utf8(std::string* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(p_);
  const unsigned char c = s[0];
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return false;
  }
  if (static_cast<std::size_t>(end_ - p_) < n || s[1] < lo || s[1] > hi) return false;
  for (std::size_t i = 2; i < n; ++i) {
    if ((s[i] & 0xC0) != 0x80) return false;
  }
  if (out) out->append(p_, n);
  p_ += n;
  return true;
}

bool Reader::number() {
  auto digits = [&] {
    const char* start = p_;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ != start;
  };
  if (p_ != end_ && *p_ == '-') ++p_;
  if (p_ != end_ && *p_ == '0') {
    ++p_;
  } else if (!digits()) {
    return false;
  }
  if (p_ != end_ && *p_ == '.') {
    ++p_;
    if (!digits()) return false;
  }
  if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
    ++p_;
    if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (!digits()) return false;
  }
  return true;
}

bool Reader::skip_value(int depth) {
  ws();
  if (p_ == end_ || depth > kMaxDepth) return false;
  switch (*p_) {
    case '"': return string(nullptr);
    case 't': return literal("true");
    case 'f': return literal("false");
    case 'n': return literal("null");
    case '{': {
      ++p_;
      if (eat('}')) return true;
      do {
        std::string_view k;
        if (!key(k) || !skip_value(depth + 1)) return false;
      } while (eat(','));
      return eat('}');
    }
    case '[': {
      ++p_;
      if (eat(']')) return true;
      do {
        if (!skip_value(depth + 1)) return false;
      } while (eat(','));
      return eat(']');
    }
    default: return number();
  }
}

// Text, or null (= nothing), appended to `out`.
bool text_or_null(Reader& r, std::string& out) { return r.literal("null") || r.string(&out); }

// A chat "delta" or "message": content and reasoning; tool calls are left to the general parser.
bool message(Reader& r, ParsedResponse& out) {
  if (!r.eat('{')) return false;
  if (r.eat('}')) return true;
  do {
    std::string_view k;
    if (!r.key(k)) return false;
    bool ok = true;
    if (k == "content") {
      ok = text_or_null(r, out.content);
    } else if (k == "reasoning_content" || k == "reasoning") {
      ok = text_or_null(r, out.reasoning_content);
    } else if (k == "tool_calls") {
      ok = false;
    } else {
      ok = r.skip_value(2);
    }
    if (!ok) return false;
  } while (r.eat(','));
  return r.eat('}');
}

// The one choice, index 0.
bool choice(Reader& r, ParsedEvent& out) {
  if (!r.eat('{')) return false;
  if (r.eat('}')) return true;
  do {
    std::string_view k;
    if (!r.key(k)) return false;
    bool ok = true;
    if (k == "delta" || k == "message") {
      ok = message(r, out.response);
    } else if (k == "text") {
      ok = text_or_null(r, out.response.content);
    } else if (k == "index") {
      uint64_t index = 1;
      ok = r.count(index) && index == 0;
    } else {
      ok = r.skip_value(2);
    }
    if (!ok) return false;
  } while (r.eat(','));
  return r.eat('}');
}

// null, [] or [one choice].
bool choices(Reader& r, ParsedEvent& out) {
  if (r.literal("null")) return true;
  if (!r.eat('[')) return false;
  if (r.eat(']')) return true;
  return choice(r, out) && r.eat(']');
}

// A count: null leaves it unset; anything but a plain non-negative integer is declined.
bool count_or_null(Reader& r, std::optional<uint64_t>& out) {
  if (r.literal("null")) return true;
  uint64_t n = 0;
  if (!r.count(n)) return false;
  out = n;
  return true;
}

// {"reasoning_tokens": N, ...} or null.
bool detail(Reader& r, std::string_view name, std::optional<uint64_t>& out) {
  if (r.literal("null")) return true;
  if (!r.eat('{')) return false;
  if (r.eat('}')) return true;
  do {
    std::string_view k;
    if (!r.key(k)) return false;
    if (!(k == name ? count_or_null(r, out) : r.skip_value(3))) return false;
  } while (r.eat(','));
  return r.eat('}');
}

bool usage(Reader& r, ParsedEvent& out) {
  if (r.literal("null")) return true;
  if (!r.eat('{')) return false;
  Usage u;
  if (!r.eat('}')) {
    do {
      std::string_view k;
      if (!r.key(k)) return false;
      bool ok = true;
      if (k == "prompt_tokens") {
        ok = count_or_null(r, u.prompt_tokens);
      } else if (k == "completion_tokens") {
        ok = count_or_null(r, u.completion_tokens);
      } else if (k == "completion_tokens_details") {
        ok = detail(r, "reasoning_tokens", u.reasoning_tokens);
      } else if (k == "prompt_tokens_details") {
        ok = detail(r, "cached_tokens", out.cached_prompt_tokens);
      } else {
        ok = r.skip_value(2);
      }
      if (!ok) return false;
    } while (r.eat(','));
    if (!r.eat('}')) return false;
  }
  out.response.usage = u;
  return true;
}

}  // namespace

std::optional<ParsedEvent> parse_openai_chunk_fast(std::string_view json) {
  Reader r(json);
  ParsedEvent out;
  if (!r.eat('{')) return std::nullopt;
  if (!r.eat('}')) {
    do {
      std::string_view k;
      if (!r.key(k)) return std::nullopt;
      bool ok = true;
      if (k == "choices") {
        ok = choices(r, out);
      } else if (k == "usage") {
        ok = usage(r, out);
      } else if (k == "error") {
        ok = false;  // the general parser words server errors
      } else {
        ok = r.skip_value(1);
      }
      if (!ok) return std::nullopt;
    } while (r.eat(','));
    if (!r.eat('}')) return std::nullopt;
  }
  if (!r.at_end()) return std::nullopt;
  return out;
}

}  // namespace aiperf::endpoints
