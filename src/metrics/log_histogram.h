// A log-bucketed histogram for per-chunk values (inter-chunk latency): memory
// grows with the spread of the values, not their number, and merging is exact.
//
// Bucket i holds the values in (g^(i-1), g^i] with g = (1 + a) / (1 - a); a
// bucket reports 2 g^i / (g + 1), which is within a of every value in it
// (a = kDesignError, below the promised kRelativeError; DDSketch's mapping).
// Zero has its own count; negative values mirror the positive buckets.
//
// Exact: count, min, max, and for integer values (nanoseconds, tokens) with
// |v| < 2^53 the sum and the sum of squares (128-bit integers), hence mean and
// std; other values accumulate in long double. Quantiles use the exact path's
// definition (numpy 'linear': virtual index (n-1)q between two order
// statistics) with each order statistic read from its bucket, so every
// quantile is within kRelativeError of the exact one. Rank 0 and n-1 are min
// and max exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "metrics/distribution.h"

namespace aiperf::metrics {

// GCC/Clang 128-bit integers (__extension__: not ISO C++, so -Wpedantic would refuse them).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

/// Counts of values per log bucket, with exact count, min, max and sums; merge() is exact.
class LogHistogram {
 public:
  /// The promised bound: |reported - exact| <= kRelativeError * |exact| for any quantile.
  static constexpr double kRelativeError = 0.001;
  /// The bucket mapping's own bound (a margin below kRelativeError for rounding in log()).
  static constexpr double kDesignError = 0.0009;

  /// Adds one value; NaN and infinities are ignored.
  void add(double value);
  /// Adds every value of `other`: the result equals a histogram fed the union, in any order.
  void merge(const LogHistogram& other);

  /// Number of values.
  uint64_t count() const { return count_; }
  /// True when no value was added.
  bool empty() const { return count_ == 0; }
  /// Smallest value (exact); 0 when empty.
  double min() const { return min_; }
  /// Largest value (exact); 0 when empty.
  double max() const { return max_; }
  /// Sum of the values (exact for integer values).
  double sum() const;
  /// Buckets in use (positive and negative spans, zeros apart): its memory is 8 bytes each.
  std::size_t bucket_count() const { return pos_.counts.size() + neg_.counts.size(); }

  /// The `rank`-th smallest value (0-based, < count()) within kRelativeError; min and max exactly.
  double value_at_rank(uint64_t rank) const;
  /// numpy.percentile(values, q) with method 'linear', within kRelativeError; q in [0, 100], not empty.
  double percentile(double q) const;
  /// Statistics as Distribution::summary() gives them (intervals from the same order ranks), or nullopt.
  std::optional<Summary> summary() const;

  /// Same buckets, count, min, max and sums.
  friend bool operator==(const LogHistogram&, const LogHistogram&) = default;

 private:
  // Dense counts for bucket indexes [offset, offset + counts.size()).
  struct Span {
    int32_t offset = 0;
    std::vector<uint64_t> counts;
    void add(int32_t index, uint64_t n);
    friend bool operator==(const Span&, const Span&) = default;
  };
  static int32_t index_of(double magnitude);
  static double bucket_value(int32_t index);
  double variance() const;

  Span pos_;
  Span neg_;  // by the index of |v|
  uint64_t zeros_ = 0;
  uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
  // Integer values: exact sums. Others: long double sums.
  Int128 int_sum_ = 0;
  UInt128 int_sum_sq_ = 0;
  long double other_sum_ = 0;
  long double other_sum_sq_ = 0;
  uint64_t other_count_ = 0;
};

}  // namespace aiperf::metrics
