#include "base/json_writer.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace aiperf {
namespace {

using nlohmann::json;

// Random bytes biased towards what needs care: quotes, backslashes, control
// characters, and the lead and continuation bytes of UTF-8 sequences.
std::string odd_bytes(std::mt19937_64& rng) {
  static constexpr unsigned char kPool[] = {'"', '\\', '/', 0, 1, 8, 9, 10, 12, 13, 0x1f, 0x7f, 'a', ' ',
                                            0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
  std::string s;
  const std::size_t n = rng() % 12;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(static_cast<char>(rng() % 3 == 0 ? rng() % 256 : kPool[rng() % sizeof kPool]));
  }
  return s;
}

TEST(JsonWriterTest, StringsMatchNlohmannByteForByte) {
  std::mt19937_64 rng(7);
  int valid = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::string text = odd_bytes(rng);
    std::string out;
    json reference = text;
    std::string expected;
    bool reference_ok = true;
    try {
      expected = reference.dump();
    } catch (const json::exception&) {
      reference_ok = false;
    }
    ASSERT_EQ(append_json_string(out, text), reference_ok) << json(text).dump(-1, ' ', true, json::error_handler_t::replace);
    if (reference_ok) {
      ++valid;
      ASSERT_EQ(out, expected);
    } else {
      ASSERT_TRUE(out.empty());
    }
  }
  EXPECT_GT(valid, 1000);  // the valid side was exercised too
}

TEST(JsonWriterTest, ValidMultibyteTextPassesThrough) {
  std::string out;
  ASSERT_TRUE(append_json_string(out, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_EQ(json::parse(out).get<std::string>(), "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(JsonWriterTest, DoublesReadBackExactlyAndStayFloatingPoint) {
  std::mt19937_64 rng(11);
  std::vector<double> values = {0.0, -0.0, 1.0, 1e15, 1e16, 1e21, 1e-7, 123456.789, 0.1, 1.0 / 3.0,
                                std::numeric_limits<double>::max(), std::numeric_limits<double>::min(),
                                std::numeric_limits<double>::denorm_min()};
  for (int i = 0; i < 100000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) values.push_back(d);
    values.push_back(static_cast<double>(rng() % 100000000) / 1e6);
  }
  for (double d : values) {
    std::string out;
    append_json_number(out, d);
    json back = json::parse(out);
    ASSERT_TRUE(back.is_number_float()) << out;
    ASSERT_EQ(back.get<double>(), d) << out;
    ASSERT_EQ(std::signbit(back.get<double>()), std::signbit(d)) << out;
    ASSERT_EQ(back.dump(), json(d).dump());
  }
}

TEST(JsonWriterTest, ScaledIntegersReadBackAsTheDividedDouble) {
  std::mt19937_64 rng(13);
  std::vector<int64_t> values = {0, 1, -1, 5, 50, 999999, 1000000, 1000001, 123456789, -120000000,
                                 int64_t{1} << 53, -(int64_t{1} << 53), (int64_t{1} << 53) + 1,
                                 std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
  for (int i = 0; i < 200000; ++i) {
    const int shift = static_cast<int>(rng() % 64);
    values.push_back(static_cast<int64_t>(rng() >> shift) * (rng() % 2 ? 1 : -1));
  }
  for (unsigned decimals : {0u, 3u, 6u, 9u}) {
    double divisor = 1;
    for (unsigned i = 0; i < decimals; ++i) divisor *= 10;
    for (int64_t v : values) {
      std::string out;
      append_json_scaled(out, v, decimals);
      const json back = json::parse(out);
      const double expected = static_cast<double>(v) / divisor;
      ASSERT_TRUE(back.is_number_float()) << out;
      ASSERT_EQ(back.get<double>(), expected) << v << " -> " << out;
      ASSERT_EQ(back.dump(), json(expected).dump()) << out;
    }
  }
  std::string out;
  append_json_scaled(out, 1500000, 6);
  EXPECT_EQ(out, "1.5");
}

TEST(JsonWriterTest, NonFiniteNumbersAreNullAsNlohmannWritesThem) {
  for (double d : {std::nan(""), std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
    std::string out;
    append_json_number(out, d);
    EXPECT_EQ(out, json(d).dump());
  }
}

TEST(JsonWriterTest, IntegersAtTheLimits) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    std::string out;
    append_json_number(out, v);
    EXPECT_EQ(out, json(v).dump());
  }
  std::string out;
  append_json_number(out, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(out, json(std::numeric_limits<uint64_t>::max()).dump());
}

TEST(JsonWriterTest, PlacesCommasInNestedContainers) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a");
  w.begin_array();
  w.value(1);
  w.begin_object();
  w.end_object();
  w.value(true);
  w.null();
  w.end_array();
  w.key("b");
  w.value("x");
  w.key("c");
  w.begin_array();
  w.end_array();
  w.end_object();
  EXPECT_EQ(out, R"({"a":[1,{},true,null],"b":"x","c":[]})");
}

// Keys and plain texts of every length around the one-append limit, first and later in their
// containers, give what nlohmann writes.
TEST(JsonWriterTest, KeysAndPlainTextsOfAnyLengthMatchNlohmann) {
  for (std::size_t len = 0; len <= 100; ++len) {
    const std::string name(len, 'k'), text(len, 't');
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key(name);
    w.plain(text);
    w.key(name + "2");
    w.begin_array();
    w.plain(text);
    w.plain("ms");
    w.end_array();
    w.end_object();
    json want = json::object();
    want[name] = text;
    want[name + "2"] = json::array({text, "ms"});
    ASSERT_EQ(out, want.dump()) << len;
  }
}

// The fused calls write what their parts write, whatever the lengths and the position.
TEST(JsonWriterTest, FusedMembersEqualTheirParts) {
  for (std::size_t len = 0; len <= 70; len += 5) {
    const std::string a(len, 'a'), b(len / 2, 'b');
    std::string fused, parts;
    JsonWriter f(fused), p(parts);
    for (JsonWriter* w : {&f, &p}) w->begin_array();
    for (int i = 0; i < 2; ++i) {
      f.begin_object();
      p.begin_object();
      f.member_plain(a, b);
      p.key(a);
      p.plain(b);
      f.open_member(b + "x", a);
      p.key(b + "x");
      p.begin_object();
      p.key(a);
      for (JsonWriter* w : {&f, &p}) {
        w->value(1);
        w->member_plain("unit", "ms");
        w->end_object();
        w->end_object();
      }
    }
    for (JsonWriter* w : {&f, &p}) w->end_array();
    ASSERT_EQ(fused, parts) << len;
    ASSERT_TRUE(json::accept(fused)) << fused;
  }
}

TEST(JsonWriterTest, InvalidStringLeavesItsSlotForARawReplacement) {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.value("ok");
  ASSERT_FALSE(w.value("\xff"));
  w.raw("\"?\"");
  w.value(2);
  w.end_array();
  EXPECT_EQ(out, R"(["ok","?",2])");
}


// Every number of digits, the values around each power of ten, the extremes and random values:
// the same text as std::to_chars.
TEST(JsonWriterTest, WritesDecimalsAsToCharsDoes) {
  std::vector<uint64_t> values = {0, 1, 9, 10, 99, 100, 12345678, 99999999, 100000000, 1796297039024331906ull,
                                  std::numeric_limits<uint64_t>::max()};
  for (uint64_t p = 1; p <= 10000000000000000000ull; p *= 10) {
    for (uint64_t d : {p - 1, p, p + 1, 2 * p - 1, 9 * p}) values.push_back(d);
    if (p > std::numeric_limits<uint64_t>::max() / 10) break;
  }
  std::mt19937_64 rng(11);
  for (int i = 0; i < 100000; ++i) values.push_back(rng() >> (rng() % 64));
  for (uint64_t v : values) {
    char mine[20], theirs[20];
    const char* end = write_decimal(mine, v);
    const char* expected_end = std::to_chars(theirs, theirs + sizeof theirs, v).ptr;
    ASSERT_EQ(std::string_view(mine, static_cast<std::size_t>(end - mine)),
              std::string_view(theirs, static_cast<std::size_t>(expected_end - theirs)));
  }
}

}  // namespace
}  // namespace aiperf
