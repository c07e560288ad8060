#include "base/json_reader.h"

#include <cstring>

#include "base/utf8.h"

namespace aiperf {

// After json_scan_plain's inline first step: sixteen bytes at a time with SSE2 (x86-64 always
// has it), then eight at a time (SWAR: in each of the masks the lowest flagged byte is exact,
// which is the one returned), then one at a time.
const char* json_scan_plain_rest(const char* p, const char* end) {
#if defined(__SSE2__)
  for (; end - p >= 16; p += 16) {
    if (const unsigned hit = json_special_mask16(p)) return p + __builtin_ctz(hit);
  }
#endif
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

bool JsonReader::string(std::string* out) {
  if (!eat('"')) return false;
  for (;;) {
    const char* run = p_;
    p_ = json_scan_plain(p_, end_);
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

bool JsonReader::escape(std::string* out) {
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
bool JsonReader::utf8(std::string* out) {
  const std::size_t n = utf8_sequence_length(std::string_view(p_, static_cast<std::size_t>(end_ - p_)));
  if (n == 0) return false;
  if (out) out->append(p_, n);
  p_ += n;
  return true;
}

bool JsonReader::number() {
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

bool JsonReader::skip_value(int depth) {
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
        // Any valid key (escaped ones too, which key() leaves to a general parser).
        if (!string(nullptr) || !eat(':') || !skip_value(depth + 1)) return false;
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

bool json_valid(std::string_view text) {
  JsonReader r(text);
  return r.skip_value() && r.at_end();
}

}  // namespace aiperf
