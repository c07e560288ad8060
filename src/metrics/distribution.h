// A sample store that merges exactly: it keeps every value, so the summary of
// merged stores equals the summary of one store fed the union (for MPI ranks).
//
// Statistics follow AIPerf (src/aiperf/metrics/metric_dicts.py,
// metric_result_from_array): population std (numpy's default ddof=0) and the
// percentiles p1..p99 with numpy's default 'linear' method, virtual index
// (n-1)*q/100 between the two neighbouring sorted values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace aiperf::metrics {

/// The percentiles a Summary carries, in field order (p1 ... p99).
inline constexpr std::array<double, 9> kSummaryPercentiles = {1, 5, 10, 25, 50, 75, 90, 95, 99};
/// Confidence level of the percentile intervals in a Summary.
inline constexpr double kPercentileConfidence = 0.95;

/// A distribution-free confidence interval of a percentile: two order statistics
/// [X_(l), X_(u)] chosen from the binomial distribution of the number of values
/// below the true percentile. A side is empty when too few values bound it (a p99
/// from 71 values has no upper bound: the true p99 may lie above the maximum).
struct PercentileInterval {
  std::optional<double> low;   ///< Lower bound, or empty: unbounded below.
  std::optional<double> high;  ///< Upper bound, or empty: unbounded above.
  /// True when both sides are bounded.
  bool bounded() const { return low.has_value() && high.has_value(); }
  friend bool operator==(const PercentileInterval&, const PercentileInterval&) = default;
};

/// 1-based ranks of the order statistics bounding a percentile (empty: unbounded side).
struct OrderRanks {
  std::optional<std::size_t> lower;  ///< l with P(B < l) <= (1-level)/2, the largest such.
  std::optional<std::size_t> upper;  ///< u with P(B >= u) <= (1-level)/2, the smallest such.
};

/// Ranks of the order statistics of a distribution-free `level` interval of the q-th
/// percentile (q in (0, 100)) of n values; B ~ Binomial(n, q/100).
OrderRanks percentile_ranks(std::size_t n, double q, double level);

/// The fewest values for which the `level` interval of the q-th percentile is bounded on both sides.
std::size_t min_samples_for_interval(double q, double level);

/// Sorts finite doubles ascending, -0.0 before +0.0 (a total order on the values' bits, so the
/// result does not depend on the input's order). O(n): a radix sort from 1,024 values on.
void sort_ascending(std::vector<double>& values);

/// The statistics AIPerf exports for a metric.
struct Summary {
  int64_t count = 0;  ///< Number of values.
  double avg = 0;     ///< Arithmetic mean.
  double min = 0;     ///< Smallest value.
  double max = 0;     ///< Largest value.
  double std = 0;     ///< Population standard deviation (ddof=0).
  double p1 = 0;      ///< 1st percentile (numpy 'linear').
  double p5 = 0;      ///< 5th percentile.
  double p10 = 0;     ///< 10th percentile.
  double p25 = 0;     ///< 25th percentile.
  double p50 = 0;     ///< Median.
  double p75 = 0;     ///< 75th percentile.
  double p90 = 0;     ///< 90th percentile.
  double p95 = 0;     ///< 95th percentile.
  double p99 = 0;     ///< 99th percentile.
  /// Distribution-free kPercentileConfidence intervals of p1 ... p99 (kSummaryPercentiles order).
  std::array<PercentileInterval, kSummaryPercentiles.size()> intervals{};

  /// This summary with every value statistic multiplied by `factor` (unit conversion, e.g. ns to ms).
  Summary scaled(double factor) const;
  /// Field-wise exact equality.
  friend bool operator==(const Summary&, const Summary&) = default;
};

/// Every value of one metric; values are doubles (int64 nanoseconds are exact below 2^53 ns, ~104 days).
/// Stored in a deque: 8 bytes a value plus fixed 512-byte blocks, never a vector's up-to-2x growth slack.
class Distribution {
 public:
  /// Adds one value; NaN and infinities are ignored.
  void add(double value);
  /// Appends every value of `other` (exact: the result summarises the union).
  void merge(const Distribution& other);
  /// The same, emptying `other` as it goes: its blocks are freed as they are moved, so the
  /// values are never held twice (a lead merging what other parts handed over).
  void merge(Distribution&& other);
  /// Number of values.
  std::size_t size() const { return values_.size(); }
  /// True when no value was added.
  bool empty() const { return values_.empty(); }
  /// The values in insertion order.
  const std::deque<double>& values() const { return values_; }
  /// Statistics over the values, or nullopt when empty; independent of insertion/merge order.
  std::optional<Summary> summary() const;

  /// numpy.percentile(sorted, q) with method='linear'; `sorted` ascending and non-empty, q in [0, 100].
  static double percentile(const std::vector<double>& sorted, double q);
  /// The `level` interval of the q-th percentile from `sorted` (ascending, non-empty).
  static PercentileInterval percentile_interval(const std::vector<double>& sorted, double q, double level);

 private:
  std::deque<double> values_;
};

}  // namespace aiperf::metrics
