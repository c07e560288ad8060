#include "base/json_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

namespace aiperf {
namespace {

// Random edits of valid documents: json_valid must agree with nlohmann's accept() (numbers
// stay small here: nlohmann also refuses numbers that overflow a double, json_valid does not;
// and nlohmann stops reading at a NUL byte, where json_valid refuses the document).
TEST(JsonReaderTest, ValidatesAsNlohmannAcceptsOnMutatedDocuments) {
  const std::vector<std::string> seeds = {
      R"({"model":"m","messages":[{"content":"h\u00e9\n\"x\"","role":"user"}],"max_tokens":16,"stream":true})",
      R"([1,-2.5,3e-7,0,true,false,null,{},[],"\ud83d\ude00","\u00e9"])",
      "{\"a\": {\"b\": [1, 2, {\"c\": \"\xc3\xa9\xe2\x82\xac\"}]}, \"d\": -0.0}",
      R"("just a string")", "12", "null"};
  static const char* kInserts[] = {",", "\"", "\\", "\\u", "\\ud800", "0", "-", ".", "e", "E+", "{", "}",
                                   "[", "]", ":", " ", "\t", "\x01", "\xff", "\xc3", "\xed\xa0\x80", "01", "nul"};
  std::mt19937_64 rng(3);
  int valid = 0, invalid = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    for (int edits = i % 3; edits > 0 && !s.empty(); --edits) {
      const std::size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[at] = static_cast<char>(rng() % 256); break;
        case 1: s.erase(at, 1 + rng() % 2); break;
        default: s.insert(at, kInserts[rng() % std::size(kInserts)]); break;
      }
    }
    // nlohmann's lexer takes a NUL byte for the end of the input; JSON has no such rule.
    const bool expected = s.find('\0') == std::string::npos && nlohmann::json::accept(s);
    ASSERT_EQ(json_valid(s), expected) << s;
    ++(expected ? valid : invalid);
  }
  EXPECT_GT(valid, 10000);
  EXPECT_GT(invalid, 10000);
}

// The scan goes 16, then 8, then 1 byte at a time: every special byte (quote, backslash,
// control, non-ASCII) at every position of texts of every length up to 70, from every offset,
// must be found where a byte-at-a-time scan finds it.
TEST(JsonReaderTest, ScanStopsAtTheFirstByteThatNeedsALookWhereverItIs) {
  auto reference = [](const char* p, const char* end) {
    while (p != end) {
      const auto c = static_cast<unsigned char>(*p);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++p;
    }
    return p;
  };
  const unsigned char specials[] = {'"', '\\', 0x00, 0x1f, 0x7f + 1, 0xc3, 0xff};
  const std::string plain = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'()*+,-./:;<=>?@[]^_`{|}~";
  int checked = 0;
  for (std::size_t len = 0; len <= 70; ++len) {
    for (std::size_t at = 0; at <= len; ++at) {  // at == len: no special byte in the text
      for (unsigned char special : specials) {
        std::string text = plain.substr(0, len);
        if (at < len) text[at] = static_cast<char>(special);
        for (std::size_t from = 0; from <= std::min<std::size_t>(len, 17); ++from) {
          const char* begin = text.data() + from;
          const char* end = text.data() + text.size();
          ASSERT_EQ(json_scan_plain(begin, end) - text.data(), reference(begin, end) - text.data())
              << "length " << len << ", special " << int(special) << " at " << at << ", from " << from;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 30000);
}

TEST(JsonReaderTest, RefusesNestingDeeperThanItsLimit) {
  const int depth = JsonReader::kMaxDepth + 2;
  EXPECT_FALSE(json_valid(std::string(depth, '[') + std::string(depth, ']')));
  EXPECT_TRUE(json_valid(std::string(8, '[') + std::string(8, ']')));
}

}  // namespace
}  // namespace aiperf
