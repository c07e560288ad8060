// JSON read without a DOM, for hot paths: a strict one-pass reader (the building
// block of shape-specific fast paths such as endpoints/openai_chunk) and a validator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace aiperf {

#if defined(__SSE2__)
/// A bit per byte of the 16 at `p` that needs a look inside a JSON string (json_scan_plain).
inline unsigned json_special_mask16(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // A signed compare: control characters and bytes >= 0x80 (negative) are both below 0x20.
  const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                       _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
  return static_cast<unsigned>(_mm_movemask_epi8(special));
}
#endif

/// json_scan_plain past its first 16 bytes (out of line).
const char* json_scan_plain_rest(const char* p, const char* end);

/// The first byte at or after `p` that needs a look inside a JSON string: '"', '\\', a
/// control character, or a non-ASCII byte (16 bytes at a time with SSE2, then 8, then 1).
/// The first 16 bytes are checked inline: most keys and values end within them.
inline const char* json_scan_plain(const char* p, const char* end) {
#if defined(__SSE2__)
  if (end - p >= 16) {
    if (const unsigned hit = json_special_mask16(p)) return p + __builtin_ctz(hit);
    p += 16;
  }
#endif
  return json_scan_plain_rest(p, end);
}

/// A strict single-pass JSON reader over a text: every value it steps over is checked against
/// RFC 8259 (grammar, escapes, UTF-8), so that accepting means "valid JSON". Building blocks for
/// shape-specific fast paths; a false return means "not sure", never a wrong answer.
class JsonReader {
 public:
  /// Reads `text`, which must outlive the reader.
  explicit JsonReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  /// True when only whitespace is left.
  bool at_end() {
    ws();
    return p_ == end_;
  }
  /// Consumes `c` (after whitespace) when it is next.
  bool eat(char c) {
    ws();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  /// True when `c` (after whitespace) is next; consumes nothing else.
  bool peek(char c) {
    ws();
    return p_ != end_ && *p_ == c;
  }
  /// Consumes `word` (true, false, null) when it is next.
  bool literal(std::string_view word) {
    ws();
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }
  /// An object key without escapes (a key with one is declined: the general parser unescapes it).
  bool key(std::string_view& out) {
    if (!eat('"')) return false;
    const char* start = p_;
    p_ = json_scan_plain(p_, end_);
    if (p_ == end_ || *p_ != '"') return false;
    out = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return eat(':');
  }
  /// A string value, unescaped and appended to `out` (nullptr: only checked).
  bool string(std::string* out);
  /// A non-negative integer without sign, fraction or exponent that fits in 64 bits.
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
  /// Where the reader is (the next byte it would read).
  const char* position() const { return p_; }
  /// Steps over one value of any kind, nested at most kMaxDepth deep.
  bool skip_value(int depth = 0);
  static constexpr int kMaxDepth = 64;

 private:
  void ws() {
    // Compact JSON has no whitespace: one compare decides (every JSON whitespace byte is <= ' ').
    if (p_ == end_ || static_cast<unsigned char>(*p_) > ' ') return;
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

/// True when `text` is one valid JSON document (RFC 8259; nesting up to JsonReader::kMaxDepth,
/// deeper documents are reported as not valid). Numbers are checked against the grammar
/// only: 1e400 is valid here, where nlohmann refuses a number that overflows a double.
bool json_valid(std::string_view text);

}  // namespace aiperf
