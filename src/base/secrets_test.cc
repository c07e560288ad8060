#include "base/secrets.h"

#include <gtest/gtest.h>

namespace aiperf {
namespace {

TEST(SecretScrubberTest, ReplacesEveryOccurrenceOfEverySecret) {
  SecretScrubber s;
  s.add("sk-123456");
  s.add("tok-abc");
  EXPECT_EQ(s.scrub("bad key sk-123456 (header Bearer sk-123456, x tok-abc)"),
            "bad key <redacted> (header Bearer <redacted>, x <redacted>)");
  EXPECT_EQ(s.scrub("nothing here"), "nothing here");
}

TEST(SecretScrubberTest, LongerSecretWinsAndShortOnesAreIgnored) {
  SecretScrubber s;
  s.add("abc");  // too short: would redact ordinary words
  s.add("key-1");
  s.add("key-12345");
  EXPECT_EQ(s.scrub("abc key-12345 key-1"), "abc <redacted> <redacted>");
  SecretScrubber none;
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace aiperf
