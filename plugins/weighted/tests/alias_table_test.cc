#include "alias_table.h"

#include <gtest/gtest.h>

namespace aiperf_plugins::weighted {
namespace {

void expect_encodes(const std::vector<double>& weights) {
  double sum = 0;
  for (double w : weights) sum += w;
  auto p = AliasTable(weights).implied_probabilities();
  ASSERT_EQ(p.size(), weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i) EXPECT_NEAR(p[i], weights[i] / sum, 1e-12) << i;
}

TEST(AliasTableTest, EncodesTheDistributionExactly) {
  expect_encodes({1});
  expect_encodes({1, 1, 1, 1});
  expect_encodes({1, 2, 3, 4});
  expect_encodes({0, 1, 0, 2, 0});
  expect_encodes({1e-9, 1, 1e9});
  expect_encodes({0.1, 0.2, 0.7, 0.3, 0.3, 0.3});
}

TEST(AliasTableTest, NeverDrawsAZeroWeight) {
  AliasTable table({0, 1, 0, 2, 0, 0.5});
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    auto k = table.sample(rng);
    ASSERT_TRUE(k == 1 || k == 3 || k == 5) << k;
  }
}

TEST(AliasTableTest, SequenceIsFixedForASeed) {
  // mt19937_64 and bit arithmetic only: these indices are the same on every platform.
  AliasTable table({1, 1, 1, 1, 1, 1, 1, 1});
  std::mt19937_64 a(2024), b(2024);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(table.sample(a), table.sample(b));
}

}  // namespace
}  // namespace aiperf_plugins::weighted
