#include "metrics/distribution.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <iostream>
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

// The bits of `v` ascending in the total order sort_ascending promises (-0.0 before +0.0).
std::vector<uint64_t> bits_sorted_by_comparison(std::vector<double> v) {
  std::sort(v.begin(), v.end(), [](double a, double b) { return a < b || (a == b && std::signbit(a) && !std::signbit(b)); });
  std::vector<uint64_t> bits;
  for (double x : v) bits.push_back(std::bit_cast<uint64_t>(x));
  return bits;
}

std::vector<uint64_t> bits_of(const std::vector<double>& v) {
  std::vector<uint64_t> bits;
  for (double x : v) bits.push_back(std::bit_cast<uint64_t>(x));
  return bits;
}

TEST(SortAscendingTest, EqualsAComparisonSortBitForBitAtEverySizeAndSign) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(15.0, 1.5);  // ns-scale values, several magnitudes
  std::uniform_real_distribution<double> any(-1e6, 1e6);
  for (const std::size_t n : {0, 1, 2, 1023, 1024, 1025, 5000, 70'000}) {
    for (int kind = 0; kind < 4; ++kind) {
      std::vector<double> v(n);
      for (auto& x : v) {
        switch (kind) {
          case 0: x = latency(rng); break;                                  // one sign, top bits shared
          case 1: x = any(rng); break;                                      // both signs
          case 2: x = static_cast<double>(rng() % 7) - 3; break;            // many duplicates
          default: x = (rng() % 2 ? -1.0 : 1.0) * (rng() % 3 == 0 ? 0.0 : std::ldexp(1.0, -1070 + int(rng() % 2100)));  // zeros of both signs, subnormals, huge
        }
      }
      const auto expected = bits_sorted_by_comparison(v);
      sort_ascending(v);
      EXPECT_EQ(bits_of(v), expected) << "n=" << n << " kind=" << kind;
    }
  }
}

TEST(SortAscendingTest, TheOrderOfTheInputDoesNotMatter) {
  std::vector<double> v;
  for (int i = 0; i < 3000; ++i) v.push_back(i % 3 == 0 ? -0.0 : (i % 3 == 1 ? 0.0 : -1.0 * (i % 5)));
  std::vector<double> reversed(v.rbegin(), v.rend());
  sort_ascending(v);
  sort_ascending(reversed);
  EXPECT_EQ(bits_of(v), bits_of(reversed));
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

TEST(Distribution, MovingMergeEqualsCopyingMergeAndEmptiesTheSource) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> v(0.0, 1e6);
  Distribution a;
  Distribution b;
  for (int i = 0; i < 5'000; ++i) (i % 2 == 0 ? a : b).add(v(rng));  // several deque blocks each
  Distribution copied = a;
  copied.merge(b);
  Distribution moved = a;
  moved.merge(std::move(b));
  EXPECT_EQ(moved.values(), copied.values()) << "same values, same order";
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): emptied on purpose
  moved.merge(std::move(moved));  // NOLINT(performance-move-const-arg): self-merge is a no-op
  EXPECT_EQ(moved.size(), 5'000u);
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

namespace aiperf::metrics {
namespace {

TEST(PercentileIntervalTest, MedianOfTenUsesSecondAndNinthOrderStatistics) {
  // B ~ Binomial(10, 1/2): P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024, so l = 2;
  // by symmetry P(B >= 9) = 11/1024, so u = 9 (coverage 1 - 22/1024).
  auto ranks = percentile_ranks(10, 50, 0.95);
  ASSERT_TRUE(ranks.lower && ranks.upper);
  EXPECT_EQ(*ranks.lower, 2u);
  EXPECT_EQ(*ranks.upper, 9u);
  std::vector<double> sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  auto interval = Distribution::percentile_interval(sorted, 50, 0.95);
  EXPECT_EQ(interval.low, 2.0);
  EXPECT_EQ(interval.high, 9.0);
}

TEST(PercentileIntervalTest, P99FromTooFewValuesIsUnboundedAbove) {
  const std::size_t needed = min_samples_for_interval(99, 0.95);
  // 0.99^n must fall to 0.025: n >= ln(0.025) / ln(0.99) = 367.04.
  EXPECT_EQ(needed, 368u);
  auto few = percentile_ranks(71, 99, 0.95);
  EXPECT_TRUE(few.lower.has_value());
  EXPECT_FALSE(few.upper.has_value());
  EXPECT_FALSE(percentile_ranks(needed - 1, 99, 0.95).upper.has_value());
  EXPECT_TRUE(percentile_ranks(needed, 99, 0.95).upper.has_value());
}

TEST(PercentileIntervalTest, SummaryCarriesIntervalsAroundEachPercentile) {
  Distribution d;
  for (int i = 1; i <= 1000; ++i) d.add(i);
  auto s = d.summary().value();
  const double* points[] = {&s.p1, &s.p5, &s.p10, &s.p25, &s.p50, &s.p75, &s.p90, &s.p95, &s.p99};
  for (std::size_t i = 0; i < kSummaryPercentiles.size(); ++i) {
    ASSERT_TRUE(s.intervals[i].bounded()) << kSummaryPercentiles[i];
    EXPECT_LE(*s.intervals[i].low, *points[i]) << kSummaryPercentiles[i];
    EXPECT_GE(*s.intervals[i].high, *points[i]) << kSummaryPercentiles[i];
  }
  auto ms = s.scaled(1e-6);
  EXPECT_DOUBLE_EQ(*ms.intervals[8].high, *s.intervals[8].high * 1e-6);
}

TEST(PercentileIntervalTest, LargeCountsStayFinite) {
  auto ranks = percentile_ranks(2'000'000, 99, 0.95);
  ASSERT_TRUE(ranks.lower && ranks.upper);
  EXPECT_LT(*ranks.lower, 1'980'000u);
  EXPECT_GT(*ranks.upper, 1'980'000u);
}

// The ranks as first written: every Binomial(n, p) probability of the window from
// lgamma (three calls per rank), summed from each end until a tail passes (1-level)/2.
OrderRanks lgamma_ranks(std::size_t n, double q, double level) {
  OrderRanks ranks;
  const double nd = static_cast<double>(n), p = q / 100, tail = (1 - level) / 2;
  const double sd = std::sqrt(nd * p * (1 - p));
  const auto first = static_cast<std::size_t>(std::max(0.0, std::floor(nd * p - 12 * sd - 12)));
  const auto last = static_cast<std::size_t>(std::min(nd, std::ceil(nd * p + 12 * sd + 12)));
  std::vector<double> pmf;
  for (auto k = first; k <= last; ++k) {
    const double kd = static_cast<double>(k);
    pmf.push_back(std::exp(std::lgamma(nd + 1) - std::lgamma(kd + 1) - std::lgamma(nd - kd + 1) +
                           kd * std::log(p) + (nd - kd) * std::log1p(-p)));
  }
  double below = 0;
  for (std::size_t i = 0; i < pmf.size(); ++i) {
    below += pmf[i];
    if (below > tail || first + i + 1 > n) break;
    ranks.lower = first + i + 1;
  }
  double above = 0;
  for (std::size_t i = pmf.size(); i-- > 0;) {
    above += pmf[i];
    if (above > tail || first + i == 0) break;
    if (first + i <= n) ranks.upper = first + i;
  }
  return ranks;
}

void expect_same_ranks(std::size_t n, double q, double level) {
  const auto got = percentile_ranks(n, q, level), want = lgamma_ranks(n, q, level);
  EXPECT_EQ(got.lower, want.lower) << "n=" << n << " q=" << q << " level=" << level;
  EXPECT_EQ(got.upper, want.upper) << "n=" << n << " q=" << q << " level=" << level;
}

TEST(PercentileIntervalTest, RanksMatchTheLgammaFormula) {
  // The summary's ranks come from a ratio recurrence; every count up to 3,000 and a spread of
  // larger ones give the ranks the per-rank lgamma formula gives.
  for (std::size_t n = 1; n <= 3000; ++n) {
    for (double q : kSummaryPercentiles) expect_same_ranks(n, q, kPercentileConfidence);
  }
  for (std::size_t n = 3001; n <= 2'000'000; n = n * 5 / 4 + 17) {
    for (double q : kSummaryPercentiles) expect_same_ranks(n, q, kPercentileConfidence);
  }
  for (std::size_t n = 1; n <= 3000; n += 7) {
    for (double q : {0.1, 2.5, 33.3, 66.6, 97.5, 99.9}) {
      for (double level : {0.5, 0.9, 0.99, 0.999}) expect_same_ranks(n, q, level);
    }
  }
}

// Exponential(1) values from a fixed-seed generator; the true q-th percentile is -ln(1 - q/100).
double exponential(std::mt19937_64& rng) {
  const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1), portable
  return -std::log1p(-u);
}

TEST(PercentileIntervalTest, CoverageOfTrueExponentialPercentilesMatchesTheLevel) {
  std::mt19937_64 rng(20261201);
  constexpr int kTrials = 2000;
  constexpr std::size_t kValues = 400;  // enough for p99 to be bounded (368)
  for (double q : {10.0, 50.0, 90.0, 99.0}) {
    const double truth = -std::log1p(-q / 100);
    int covered = 0;
    std::vector<double> sorted(kValues);
    for (int t = 0; t < kTrials; ++t) {
      for (auto& v : sorted) v = exponential(rng);
      std::sort(sorted.begin(), sorted.end());
      auto interval = Distribution::percentile_interval(sorted, q, 0.95);
      ASSERT_TRUE(interval.bounded());
      if (*interval.low <= truth && truth <= *interval.high) ++covered;
    }
    const double coverage = static_cast<double>(covered) / kTrials;
    std::cout << "p" << q << " coverage of the 95% interval: " << coverage << "\n";
    // Order-statistic intervals are exact-or-conservative; 2000 trials give a standard error of ~0.005.
    EXPECT_GE(coverage, 0.935) << "p" << q;
    EXPECT_LE(coverage, 0.99) << "p" << q;
  }
}

}  // namespace
}  // namespace aiperf::metrics
