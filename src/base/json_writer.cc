#include "base/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "base/json_reader.h"
#include "base/utf8.h"

namespace aiperf {

namespace {

// "00" to "99": the two digits of n at 2n.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

char* put_pair(char* p, uint32_t n) {
  std::memcpy(p, kDigitPairs + 2 * n, 2);
  return p + 2;
}

// Exactly eight digits (leading zeros kept): n < 10^8.
char* put_eight(char* p, uint32_t n) {
  const uint32_t high = n / 10000, low = n % 10000;
  p = put_pair(p, high / 100);
  p = put_pair(p, high % 100);
  p = put_pair(p, low / 100);
  return put_pair(p, low % 100);
}

// n < 10^4 without leading zeros.
char* put_up_to_four(char* p, uint32_t n) {
  if (n < 10) {
    *p = static_cast<char>('0' + n);
    return p + 1;
  }
  if (n < 100) return put_pair(p, n);
  p = put_up_to_four(p, n / 100);
  return put_pair(p, n % 100);
}

// n < 10^8 without leading zeros.
char* put_up_to_eight(char* p, uint32_t n) {
  if (n < 10000) return put_up_to_four(p, n);
  p = put_up_to_four(p, n / 10000);
  p = put_pair(p, n % 10000 / 100);
  return put_pair(p, n % 100);
}

}  // namespace

char* write_decimal(char* out, uint64_t value) {
  constexpr uint64_t kEight = 100000000;
  if (value < kEight) return put_up_to_eight(out, static_cast<uint32_t>(value));
  const uint64_t high = value / kEight;
  const auto low = static_cast<uint32_t>(value % kEight);
  if (high < kEight) {
    out = put_up_to_eight(out, static_cast<uint32_t>(high));
  } else {  // 17 to 20 digits
    out = put_up_to_eight(out, static_cast<uint32_t>(high / kEight));
    out = put_eight(out, static_cast<uint32_t>(high % kEight));
  }
  return put_eight(out, low);
}

bool append_json_string(std::string& out, std::string_view text) {
  const std::size_t mark = out.size();
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const auto* run = p;
    p = reinterpret_cast<const unsigned char*>(
        json_scan_plain(reinterpret_cast<const char*>(p), reinterpret_cast<const char*>(end)));
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (p == end) break;
    const unsigned char c = *p;
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(
          std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(end - p)));
      if (n == 0) {
        out.resize(mark);
        return false;
      }
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        constexpr char kHex[] = "0123456789abcdef";
        const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(escaped, sizeof escaped);
      }
    }
    ++p;
  }
  out.push_back('"');
  return true;
}

void append_json_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out.append("null");
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round trip
  (void)ec;  // 32 bytes always hold a double's shortest form
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  out.append(text);
  // Keep it a floating-point number for readers that distinguish (1.0, not 1).
  if (text.find_first_of(".e") == std::string_view::npos) out.append(".0");
}

void append_json_scaled(std::string& out, int64_t value, unsigned decimals) {
  constexpr int64_t kExact = int64_t{1} << 53;
  if (value > kExact || value < -kExact) {
    double divisor = 1;
    for (unsigned i = 0; i < decimals; ++i) divisor *= 10;
    append_json_number(out, static_cast<double>(value) / divisor);
    return;
  }
  if (value < 0) out.push_back('-');
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value < 0 ? -value : value);
  (void)ec;
  const std::size_t n = static_cast<std::size_t>(end - digits);
  std::size_t last = n;  // one past the last fraction digit that is not a trailing zero
  while (last > 0 && n - last < decimals && digits[last - 1] == '0') --last;
  if (n > decimals) {
    out.append(digits, n - decimals);
  } else {
    out.push_back('0');
  }
  out.push_back('.');
  if (last <= n - std::min<std::size_t>(n, decimals) ) {  // the fraction is all zeros
    out.push_back('0');
    return;
  }
  if (n < decimals) out.append(decimals - n, '0');
  const std::size_t from = n > decimals ? n - decimals : 0;
  out.append(digits + from, last - from);
}

void append_json_number(std::string& out, int64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;
  out.append(buffer, static_cast<std::size_t>(end - buffer));
}

void append_json_number(std::string& out, uint64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;
  out.append(buffer, static_cast<std::size_t>(end - buffer));
}

std::size_t JsonWriter::separator(char* at) {
  if (after_key_) {
    after_key_ = false;
    return 0;
  }
  if (depth_ == 0) return 0;
  const uint64_t bit = uint64_t{1} << (depth_ - 1);
  const bool comma = (has_element_ & bit) != 0;
  has_element_ |= bit;
  if (comma) *at = ',';
  return comma ? 1 : 0;
}

void JsonWriter::separate() {
  char comma;
  if (separator(&comma) != 0) out_.push_back(comma);
}

void JsonWriter::open(char c) {
  separate();
  out_.push_back(c);
  ++depth_;
  has_element_ &= ~(uint64_t{1} << (depth_ - 1));
}

void JsonWriter::close(char c) {
  out_.push_back(c);
  --depth_;
}

namespace {
// Pieces of a short run assembled on the stack: literals are copied with their size known at
// compile time (plain stores), texts with theirs.
template <std::size_t N>
char* put(char* p, const char (&literal)[N]) {
  std::memcpy(p, literal, N - 1);
  return p + N - 1;
}
char* put(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}
}  // namespace

// Keys and units run ~30 times per JSONL line: each is assembled with its separator on the
// stack (at most kShortText bytes of text beside the literals) and appended at once.
void JsonWriter::key(std::string_view name) {
  if (name.size() > kShortText) {
    separate();
    out_.push_back('"');
    out_.append(name);
    out_.append("\":");
  } else {
    char buffer[kShortText + 8];
    char* p = put(put(put(buffer + separator(buffer), "\""), name), "\":");
    out_.append(buffer, static_cast<std::size_t>(p - buffer));
  }
  after_key_ = true;
}

void JsonWriter::open_member(std::string_view name, std::string_view first_key) {
  if (name.size() + first_key.size() > kShortText) {
    key(name);
    begin_object();
    key(first_key);
    return;
  }
  char buffer[kShortText + 8];
  char* p = put(put(put(put(put(buffer + separator(buffer), "\""), name), "\":{\""), first_key), "\":");
  out_.append(buffer, static_cast<std::size_t>(p - buffer));
  ++depth_;
  has_element_ |= uint64_t{1} << (depth_ - 1);  // the new object's first member is this key's
  after_key_ = true;
}

void JsonWriter::member_plain(std::string_view name, std::string_view text) {
  if (name.size() + text.size() > kShortText) {
    key(name);
    plain(text);
    return;
  }
  char buffer[kShortText + 8];
  char* p = put(put(put(put(put(buffer + separator(buffer), "\""), name), "\":\""), text), "\"");
  out_.append(buffer, static_cast<std::size_t>(p - buffer));
}

void JsonWriter::plain(std::string_view text) {
  if (text.size() > kShortText) {
    value(text);
    return;
  }
  char buffer[kShortText + 8];
  char* p = put(put(put(buffer + separator(buffer), "\""), text), "\"");
  out_.append(buffer, static_cast<std::size_t>(p - buffer));
}

bool JsonWriter::value(std::string_view text) {
  separate();
  if (append_json_string(out_, text)) return true;
  // The separator stays; the next value (the caller's raw() replacement) goes in its place.
  after_key_ = true;
  return false;
}

void JsonWriter::value(double number) {
  separate();
  append_json_number(out_, number);
}

void JsonWriter::value(int64_t number) {
  separate();
  append_json_number(out_, number);
}

void JsonWriter::value(uint64_t number) {
  separate();
  append_json_number(out_, number);
}

void JsonWriter::value(bool flag) {
  separate();
  out_.append(flag ? "true" : "false");
}

void JsonWriter::scaled(int64_t value, unsigned decimals) {
  separate();
  append_json_scaled(out_, value, decimals);
}

void JsonWriter::null() {
  separate();
  out_.append("null");
}

void JsonWriter::raw(std::string_view json) {
  separate();
  out_.append(json);
}

}  // namespace aiperf
