#include "base/utf8.h"

#include <gtest/gtest.h>

namespace aiperf {
namespace {

// valid_utf8 leaves valid text unchanged, so "unchanged" means "valid".
bool is_valid(std::string_view s) { return valid_utf8(s) == s; }

TEST(Utf8Test, ValidTextIsUnchanged) {
  const std::string text = "plain, caf\xC3\xA9, \xE4\xB8\xAD\xE6\x96\x87, \xF0\x9F\x98\x80";
  EXPECT_EQ(valid_utf8(text), text);
}

TEST(Utf8Test, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(valid_utf8("caf\xE9!"), "caf\xEF\xBF\xBD!");                  // ISO-8859-1
  EXPECT_EQ(valid_utf8("\x1F\x8B\x08"), "\x1F\xEF\xBF\xBD\x08");          // gzip magic
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong '/'
  EXPECT_EQ(valid_utf8("\xE4\xB8"), "\xEF\xBF\xBD\xEF\xBF\xBD");          // cut character
}

TEST(Utf8Test, TruncationNeverSplitsACharacter) {
  std::string cjk;
  for (int i = 0; i < 200; ++i) cjk += "\xE4\xB8\xAD";  // 600 bytes of 3-byte characters
  for (std::size_t max = 0; max < 20; ++max) {
    const std::string cut = truncate_utf8(cjk, 300 + max);
    EXPECT_TRUE(is_valid(cut)) << max;
    EXPECT_LE(cut.size(), 300 + max);
    EXPECT_GT(cut.size() + 3, 300 + max);  // at most one character short
    EXPECT_EQ(cut.size() % 3, 0u);
  }
  EXPECT_EQ(truncate_utf8("short", 300), "short");
}

TEST(Utf8Test, SequenceLengthFollowsRfc3629) {
  EXPECT_EQ(utf8_sequence_length("a"), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9x"), 2u);          // é
  EXPECT_EQ(utf8_sequence_length("\xE6\x8F\x92"), 3u);      // 插
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80"), 4u);  // 😀
  EXPECT_EQ(utf8_sequence_length(""), 0u);
  EXPECT_EQ(utf8_sequence_length("\xC0\xAF"), 0u);           // overlong
  EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80"), 0u);      // a surrogate
  EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(utf8_sequence_length("\xE6\x8F"), 0u);           // cut short
  EXPECT_EQ(utf8_sequence_length("\x80"), 0u);               // a continuation byte first
}

}  // namespace
}  // namespace aiperf
