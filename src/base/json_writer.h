// A small streaming JSON writer for hot paths (one JSONL line per request, request
// bodies): text appended straight into a std::string, no DOM. Its output parses to
// what nlohmann::json's dump() gives for the same values: the same string escapes
// (\" \\ \b \f \n \r \t, other control characters as \u00xx, UTF-8 passed through)
// and numbers that read back exactly (doubles in shortest round-trip form, always
// with a '.' or exponent; NaN and infinities as null, as nlohmann writes them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aiperf {

/// Appends `text` as a quoted JSON string; false (and nothing appended) when `text` is not
/// valid UTF-8, so the caller can choose its policy (replace, reject).
bool append_json_string(std::string& out, std::string_view text);
/// Appends `value` so that it parses back to the same double (non-finite: null).
void append_json_number(std::string& out, double value);
/// Appends value × 10^-decimals (decimals ≤ 18) as an exact decimal ("1.5", "0.000001", "2.0"), which
/// reads back as the same double as double(value) / 10^decimals: both are the correctly rounded
/// quotient while |value| ≤ 2^53; beyond that it writes that double. No to_chars(double) needed.
void append_json_scaled(std::string& out, int64_t value, unsigned decimals);
/// Appends an integer.
void append_json_number(std::string& out, int64_t value);
/// Appends an unsigned integer.
void append_json_number(std::string& out, uint64_t value);

/// Writes `value` in decimal at `out` (room for 20 bytes) and returns the end; as std::to_chars,
/// in about half its instructions for the 19-digit nanosecond timestamps of every record:
/// eight digits at a time, two per table copy, no digit-count loop.
char* write_decimal(char* out, uint64_t value);

/// Writes objects and arrays into `out`, placing commas; nesting up to 64 levels.
class JsonWriter {
 public:
  /// Appends to `out`, which must outlive the writer.
  explicit JsonWriter(std::string& out) : out_(out) {}
  /// Opens and closes objects and arrays (a container is a value of its parent).
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  /// An object key (ASCII without characters that need escaping, as every key aiperf writes).
  void key(std::string_view name);
  /// A string value; false when it is not valid UTF-8: nothing is written, and the next
  /// value call (e.g. raw() with the caller's replacement) takes its place.
  bool value(std::string_view text);
  bool value(const char* text) { return value(std::string_view(text)); }
  /// A string value that needs no escaping (ASCII without '"', '\\' or control characters: a
  /// unit, an enum name); cheaper than value().
  void plain(std::string_view text);
  /// key(name), begin_object(), key(first_key) in one append (ASCII keys, as key()).
  void open_member(std::string_view name, std::string_view first_key);
  /// key(name), plain(text) in one append.
  void member_plain(std::string_view name, std::string_view text);
  /// Numbers (doubles as append_json_number), booleans, null.
  void value(double number);
  void value(int64_t number);
  void value(uint64_t number);
  void value(int number) { value(static_cast<int64_t>(number)); }
  void value(uint32_t number) { value(static_cast<uint64_t>(number)); }
  void value(bool flag);
  /// value × 10^-decimals, as append_json_scaled.
  void scaled(int64_t value, unsigned decimals);
  void null();
  /// Already-serialised JSON as the next value.
  void raw(std::string_view json);

 private:
  void open(char c);
  void close(char c);
  void separate();  // a comma before every element but the first of a container
  std::size_t separator(char* at);  // the same, written at `at`: 0 or 1 byte
  static constexpr std::size_t kShortText = 60;  // keys and plain texts up to this are written in one append

  std::string& out_;
  uint64_t has_element_ = 0;  // bit d: the container at depth d already has an element
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace aiperf
