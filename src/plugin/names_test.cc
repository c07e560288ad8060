#include "plugin/names.h"

#include <gtest/gtest.h>

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

}  // namespace aiperf::plugin
