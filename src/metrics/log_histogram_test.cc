#include "metrics/log_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "metrics/distribution.h"

namespace aiperf::metrics {
namespace {

// Every percentile 0..100 in steps of 0.5 plus the summary's, against the exact
// path (Distribution: numpy 'linear') over the same values.
void expect_within_bound(const std::vector<double>& values, const std::string& name) {
  LogHistogram h;
  Distribution exact;
  for (double v : values) {
    h.add(v);
    exact.add(v);
  }
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  double worst = 0;
  for (int step = 0; step <= 200; ++step) {
    const double q = step * 0.5;
    const double want = Distribution::percentile(sorted, q);
    const double got = h.percentile(q);
    const double err = want == 0 ? std::fabs(got) : std::fabs(got - want) / std::fabs(want);
    worst = std::max(worst, err);
    ASSERT_LE(err, LogHistogram::kRelativeError) << name << " q=" << q << " exact " << want << " got " << got;
  }
  const Summary e = exact.summary().value();
  const Summary s = h.summary().value();
  EXPECT_EQ(s.count, e.count) << name;
  EXPECT_EQ(s.min, e.min) << name;
  EXPECT_EQ(s.max, e.max) << name;
  EXPECT_NEAR(s.avg, e.avg, 1e-9 * std::fabs(e.avg)) << name;
  EXPECT_NEAR(s.std, e.std, 1e-9 * std::fabs(e.std) + 1e-9) << name;
  for (std::size_t i = 0; i < s.intervals.size(); ++i) {
    EXPECT_EQ(s.intervals[i].low.has_value(), e.intervals[i].low.has_value()) << name;
    if (s.intervals[i].low) {
      EXPECT_NEAR(*s.intervals[i].low, *e.intervals[i].low, 1e-3 * std::fabs(*e.intervals[i].low)) << name;
    }
  }
  // The bound is not vacuous: a histogram that reported bucket edges would miss it somewhere.
  EXPECT_GT(worst, 0) << name;
}

std::vector<double> draw(uint32_t seed, std::size_t n, const std::function<double(std::mt19937_64&)>& f) {
  std::mt19937_64 rng(seed);
  std::vector<double> out(n);
  for (double& v : out) v = f(rng);
  return out;
}

TEST(LogHistogramTest, QuantilesWithinRelativeErrorOnSeededDistributions) {
  for (uint32_t seed : {1u, 7u, 42u}) {
    const std::string s = " seed " + std::to_string(seed);
    expect_within_bound(draw(seed, 20000, [](auto& r) { return std::round(std::lognormal_distribution<>(15, 1.5)(r)); }),
                        "lognormal ns" + s);
    expect_within_bound(draw(seed, 20000, [](auto& r) { return std::round(std::exponential_distribution<>(1e-7)(r)); }),
                        "exponential ns" + s);
    expect_within_bound(draw(seed, 5000, [](auto& r) { return std::uniform_real_distribution<>(1e-3, 1e3)(r); }),
                        "uniform reals" + s);
    // Two modes far apart (a fast path and a stall), with repeated values.
    expect_within_bound(draw(seed, 10001, [](auto& r) {
                          return std::bernoulli_distribution(0.95)(r) ? double(1000000 + r() % 1000)
                                                                      : double(2000000000 + r() % 7);
                        }),
                        "bimodal ns" + s);
    // Zeros and negative values (e.g. a clock difference) take the same path.
    expect_within_bound(draw(seed, 5000, [](auto& r) { return std::round(std::normal_distribution<>(0, 1e6)(r)); }),
                        "normal around 0" + s);
  }
}

TEST(LogHistogramTest, CountMinMaxSumAreExact) {
  LogHistogram h;
  const auto values = draw(3, 10000, [](auto& r) { return double(r() % 5000000000ULL); });
  long double sum = 0;
  for (double v : values) {
    h.add(v);
    sum += v;
  }
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
  EXPECT_EQ(h.sum(), static_cast<double>(sum));
  EXPECT_EQ(h.percentile(0), h.min());
  EXPECT_EQ(h.percentile(100), h.max());
}

TEST(LogHistogramTest, MergeEqualsHistogramOfTheUnion) {
  const auto a = draw(11, 7000, [](auto& r) { return std::round(std::lognormal_distribution<>(14, 2)(r)); });
  const auto b = draw(12, 3000, [](auto& r) { return std::round(std::lognormal_distribution<>(18, 0.5)(r)); });
  LogHistogram ha, hb, whole, reversed;
  for (double v : a) ha.add(v), whole.add(v);
  for (double v : b) hb.add(v), whole.add(v);
  LogHistogram merged = ha;
  merged.merge(hb);
  reversed = hb;
  reversed.merge(ha);
  EXPECT_EQ(merged, whole);
  EXPECT_EQ(reversed, whole);
  EXPECT_EQ(merged.summary().value(), whole.summary().value());
  LogHistogram empty;
  merged.merge(empty);
  EXPECT_EQ(merged, whole);
}

TEST(LogHistogramTest, MemoryFollowsTheSpreadNotTheCount) {
  LogHistogram h;
  for (int i = 0; i < 1000000; ++i) h.add(1e6 + (i % 1000) * 1e3);  // 1 ms .. 2 ms
  // ln(2) / ln((1 + a) / (1 - a)) buckets, whatever the count.
  EXPECT_LE(h.bucket_count(), 400u);
  EXPECT_EQ(h.count(), 1000000u);
}

// Fractions (up to 2^52 - 0.5) take the long double sums, integers the exact
// ones: a fraction counted as an integer would lose its part and move the sum and the std.
TEST(LogHistogramTest, SumAndStdOfMixedIntegerAndFractionalValues) {
  const std::vector<double> values = {0.5, 1.5, -2.25, 3, -7, 0.75, -0.0, 1e6 + 0.5, 4503599627370495.5};
  LogHistogram h;
  long double sum = 0;
  for (double v : values) {
    h.add(v);
    sum += v;
  }
  EXPECT_EQ(h.sum(), static_cast<double>(sum));
  const long double mean = sum / values.size();
  long double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  const double std_ref = std::sqrt(static_cast<double>(squares / values.size()));
  EXPECT_NEAR(h.summary()->std, std_ref, std_ref * 1e-9);
}

TEST(LogHistogramTest, IgnoresNonFiniteAndSummarisesNothingWhenEmpty) {
  LogHistogram h;
  h.add(std::nan(""));
  h.add(INFINITY);
  EXPECT_TRUE(h.empty());
  EXPECT_FALSE(h.summary().has_value());
  h.add(5);
  EXPECT_EQ(h.summary()->p50, 5);
}

}  // namespace
}  // namespace aiperf::metrics
