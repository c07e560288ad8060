#include "metrics/distribution.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

namespace aiperf::metrics {
namespace {

// Expected values: numpy.percentile(a, q) (default method='linear') and
// numpy.std(a) (default ddof=0). numpy is not installed on this machine, so
// they were derived from numpy's definition -- virtual index (n-1)*q/100,
// linear interpolation between the neighbouring sorted values; std =
// sqrt(sum((x-mean)^2)/n) -- evaluated in exact rational arithmetic with
// Python's fractions module, then rounded to double.

Distribution make(std::initializer_list<double> values) {
  Distribution d;
  for (double v : values) d.add(v);
  return d;
}

TEST(Distribution, EmptyHasNoSummary) {
  Distribution d;
  EXPECT_TRUE(d.empty());
  EXPECT_FALSE(d.summary().has_value());
}

TEST(Distribution, OneToTenMatchesNumpyLinearPercentilesAndPopulationStd) {
  auto s = make({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).summary().value();
  EXPECT_EQ(s.count, 10);
  EXPECT_DOUBLE_EQ(s.avg, 5.5);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 10);
  EXPECT_DOUBLE_EQ(s.std, 2.8722813232690143);  // sqrt(33/4), ddof=0 (ddof=1 would be 3.0277)
  EXPECT_DOUBLE_EQ(s.p1, 1.09);
  EXPECT_DOUBLE_EQ(s.p5, 1.45);
  EXPECT_DOUBLE_EQ(s.p10, 1.9);
  EXPECT_DOUBLE_EQ(s.p25, 3.25);
  EXPECT_DOUBLE_EQ(s.p50, 5.5);
  EXPECT_DOUBLE_EQ(s.p75, 7.75);
  EXPECT_DOUBLE_EQ(s.p90, 9.1);
  EXPECT_DOUBLE_EQ(s.p95, 9.55);
  EXPECT_DOUBLE_EQ(s.p99, 9.91);
}

TEST(Distribution, UnsortedWithDuplicatesMatchesNumpy) {
  auto s = make({15, 3, 7, 7, 42, 1, 100}).summary().value();
  EXPECT_EQ(s.count, 7);
  EXPECT_DOUBLE_EQ(s.avg, 25.0);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.std, 33.21359446285297);  // sqrt(7722/7)
  EXPECT_DOUBLE_EQ(s.p1, 1.12);
  EXPECT_DOUBLE_EQ(s.p5, 1.6);
  EXPECT_DOUBLE_EQ(s.p10, 2.2);
  EXPECT_DOUBLE_EQ(s.p25, 5.0);
  EXPECT_DOUBLE_EQ(s.p50, 7.0);
  EXPECT_DOUBLE_EQ(s.p75, 28.5);
  EXPECT_DOUBLE_EQ(s.p90, 65.2);
  EXPECT_DOUBLE_EQ(s.p95, 82.6);
  EXPECT_DOUBLE_EQ(s.p99, 96.52);
}

TEST(Distribution, NanosecondValuesMatchNumpy) {
  auto s = make({12'000'000, 15'500'000, 9'250'000, 30'000'000}).summary().value();
  EXPECT_DOUBLE_EQ(s.avg, 16'687'500);
  EXPECT_DOUBLE_EQ(s.std, 7998779.203728529);  // sqrt(63980468750000)
  EXPECT_DOUBLE_EQ(s.p1, 9'332'500);
  EXPECT_DOUBLE_EQ(s.p25, 11'312'500);
  EXPECT_DOUBLE_EQ(s.p50, 13'750'000);
  EXPECT_DOUBLE_EQ(s.p75, 19'125'000);
  EXPECT_DOUBLE_EQ(s.p99, 29'565'000);
  auto ms = s.scaled(1e-6);
  EXPECT_DOUBLE_EQ(ms.p50, 13.75);
  EXPECT_DOUBLE_EQ(ms.std, 7.998779203728529);
  EXPECT_EQ(ms.count, 4);
}

TEST(Distribution, SingleValueHasZeroStdAndAllPercentilesEqual) {
  auto s = make({2.5}).summary().value();
  EXPECT_EQ(s.count, 1);
  EXPECT_DOUBLE_EQ(s.std, 0);
  for (double p : {s.p1, s.p5, s.p10, s.p25, s.p50, s.p75, s.p90, s.p95, s.p99}) EXPECT_DOUBLE_EQ(p, 2.5);
}

TEST(Distribution, NonFiniteValuesAreIgnored) {
  auto d = make({1, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), 3});
  EXPECT_EQ(d.size(), 2u);
  EXPECT_DOUBLE_EQ(d.summary()->avg, 2);
}

TEST(Distribution, MergeOfHalvesEqualsWholeExactly) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(17.0, 0.6);  // ~ tens of ms in ns, heavy tail
  Distribution whole;
  Distribution a;
  Distribution b;
  for (int i = 0; i < 10'001; ++i) {
    const double v = latency(rng);
    whole.add(v);
    (i % 3 == 0 ? a : b).add(v);  // interleaved, unequal halves
  }
  Distribution ab = a;
  ab.merge(b);
  Distribution ba = b;
  ba.merge(a);
  EXPECT_EQ(ab.summary().value(), whole.summary().value());  // bit-for-bit
  EXPECT_EQ(ba.summary().value(), whole.summary().value());
}

TEST(Distribution, MergeWithEmptyIsIdentity) {
  auto d = make({4, 8, 15, 16, 23, 42});
  Distribution e;
  Distribution m = d;
  m.merge(e);
  EXPECT_EQ(m.summary().value(), d.summary().value());
  e.merge(d);
  EXPECT_EQ(e.summary().value(), d.summary().value());
}

TEST(Distribution, PercentileEndpointsAreMinAndMax) {
  std::vector<double> sorted = {-3, 0, 0.5, 9};
  EXPECT_DOUBLE_EQ(Distribution::percentile(sorted, 0), -3);
  EXPECT_DOUBLE_EQ(Distribution::percentile(sorted, 100), 9);
}

}  // namespace
}  // namespace aiperf::metrics
