#include "plugin/names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace aiperf::plugin {

TEST(NamesTest, NormalizesCaseAndDashes) {
  EXPECT_EQ(normalize_name("My-Hook"), "my_hook");
  EXPECT_EQ(normalize_name("my_hook"), "my_hook");
  EXPECT_EQ(normalize_name("Phase-Hook"), "phase_hook");
}

TEST(NamesTest, ParsesProtocolAndName) {
  auto ref = parse_ref("Timing-Strategy:Adaptive-Rate");
  EXPECT_EQ(ref.protocol, "timing_strategy");
  EXPECT_EQ(ref.name, "adaptive_rate");
  EXPECT_EQ(ref.str(), "timing_strategy:adaptive_rate");
}

TEST(NamesTest, BareNameMeansPhaseHook) {
  EXPECT_EQ(parse_ref("datadog"), (ImplementationRef{"phase_hook", "datadog"}));
}

TEST(NamesTest, KnowsTheFourProtocols) {
  EXPECT_TRUE(is_known_protocol("phase_hook"));
  EXPECT_TRUE(is_known_protocol("dataset-sampler"));
  EXPECT_FALSE(is_known_protocol("exporter"));
}

TEST(NamesTest, ByteOrderCompareIsStdStringsOrder) {
  // Lengths around the 8-byte steps, bytes >= 0x80, differences in every position.
  std::vector<std::string> words = {"", "a", "b", "ab", "abcdefg", "abcdefgh", "abcdefghi",
                                    "abcdefgh\x80", "abcdefgh\x7f", "abcdefghijklmnop",
                                    "abcdefghijklmnoq", "abcdefghijklmno", "\xff", "\xc3\xa9t\xc3\xa9",
                                    "phase_hook", "phase_hooks", "timing_strategy", "bench_0001",
                                    "bench_0002", "bench_10000"};
  auto sign = [](int c) { return (c > 0) - (c < 0); };
  for (const auto& a : words) {
    for (const auto& b : words) {
      EXPECT_EQ(byte_order_compare(a, b), sign(a.compare(b))) << "'" << a << "' vs '" << b << "'";
    }
  }
}

}  // namespace aiperf::plugin
