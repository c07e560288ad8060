#include "metrics/log_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace aiperf::metrics {

namespace {

constexpr double kGamma = (1 + LogHistogram::kDesignError) / (1 - LogHistogram::kDesignError);
const double kLogGamma = std::log(kGamma);
constexpr double kExactIntegerBound = 9007199254740992.0;  // 2^53

// An integer within +-2^53 (then the cast is exact and round-trips): a compare, not a trunc() call.
bool is_exact_integer(double v) {
  return std::fabs(v) < kExactIntegerBound && static_cast<double>(static_cast<int64_t>(v)) == v;
}

}  // namespace

int32_t LogHistogram::index_of(double magnitude) {
  return static_cast<int32_t>(std::ceil(std::log(magnitude) / kLogGamma));
}

double LogHistogram::bucket_value(int32_t index) {
  // The point of (g^(i-1), g^i] at relative distance a from both ends.
  return 2 * std::exp(static_cast<double>(index) * kLogGamma) / (kGamma + 1);
}

void LogHistogram::Span::add(int32_t index, uint64_t n) {
  if (counts.empty()) {
    offset = index;
    counts.assign(1, 0);
  } else if (index < offset) {
    counts.insert(counts.begin(), static_cast<std::size_t>(offset - index), 0);
    offset = index;
  } else if (static_cast<std::size_t>(index - offset) >= counts.size()) {
    counts.resize(static_cast<std::size_t>(index - offset) + 1, 0);
  }
  counts[static_cast<std::size_t>(index - offset)] += n;
}

void LogHistogram::add(double value) {
  if (!std::isfinite(value)) return;
  if (value > 0) {
    pos_.add(index_of(value), 1);
  } else if (value < 0) {
    neg_.add(index_of(-value), 1);
  } else {
    ++zeros_;
  }
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = count_ == 0 ? value : std::max(max_, value);
  ++count_;
  if (is_exact_integer(value)) {
    const auto v = static_cast<int64_t>(value);
    int_sum_ += v;
    int_sum_sq_ += static_cast<UInt128>(static_cast<Int128>(v) * v);
  } else {
    other_sum_ += value;
    other_sum_sq_ += static_cast<long double>(value) * value;
    ++other_count_;
  }
}

void LogHistogram::merge(const LogHistogram& o) {
  if (o.count_ == 0) return;
  for (std::size_t i = 0; i < o.pos_.counts.size(); ++i) {
    if (o.pos_.counts[i] != 0) pos_.add(o.pos_.offset + static_cast<int32_t>(i), o.pos_.counts[i]);
  }
  for (std::size_t i = 0; i < o.neg_.counts.size(); ++i) {
    if (o.neg_.counts[i] != 0) neg_.add(o.neg_.offset + static_cast<int32_t>(i), o.neg_.counts[i]);
  }
  min_ = count_ == 0 ? o.min_ : std::min(min_, o.min_);
  max_ = count_ == 0 ? o.max_ : std::max(max_, o.max_);
  zeros_ += o.zeros_;
  count_ += o.count_;
  int_sum_ += o.int_sum_;
  int_sum_sq_ += o.int_sum_sq_;
  other_sum_ += o.other_sum_;
  other_sum_sq_ += o.other_sum_sq_;
  other_count_ += o.other_count_;
}

double LogHistogram::sum() const {
  return static_cast<double>(static_cast<long double>(int_sum_) + other_sum_);
}

double LogHistogram::variance() const {
  const auto n = static_cast<long double>(count_);
  if (other_count_ == 0) {
    // n * sum(v^2) - sum(v)^2 in 128-bit integers when it fits: exact, order-free.
    Int128 n_sq = 0;
    const Int128 sq = static_cast<Int128>(int_sum_sq_);
    if (int_sum_sq_ <= static_cast<UInt128>(std::numeric_limits<Int128>::max()) &&
        !__builtin_mul_overflow(static_cast<Int128>(count_), sq, &n_sq)) {
      Int128 s_sq = 0;
      if (!__builtin_mul_overflow(int_sum_, int_sum_, &s_sq)) {
        return static_cast<double>(static_cast<long double>(n_sq - s_sq) / (n * n));
      }
    }
  }
  const long double s = static_cast<long double>(int_sum_) + other_sum_;
  const long double s2 = static_cast<long double>(int_sum_sq_) + other_sum_sq_;
  const long double mean = s / n;
  return static_cast<double>(std::max<long double>(0, s2 / n - mean * mean));
}

double LogHistogram::value_at_rank(uint64_t rank) const {
  if (rank == 0) return min_;
  if (rank + 1 >= count_) return max_;
  double v = max_;
  uint64_t seen = 0;
  bool found = false;
  // Ascending order: negative buckets by falling magnitude, zeros, positive buckets by rising magnitude.
  for (std::size_t i = neg_.counts.size(); i-- > 0 && !found;) {
    seen += neg_.counts[i];
    if (seen > rank) v = -bucket_value(neg_.offset + static_cast<int32_t>(i)), found = true;
  }
  if (!found) {
    seen += zeros_;
    if (seen > rank) v = 0, found = true;
  }
  for (std::size_t i = 0; i < pos_.counts.size() && !found; ++i) {
    seen += pos_.counts[i];
    if (seen > rank) v = bucket_value(pos_.offset + static_cast<int32_t>(i)), found = true;
  }
  return std::clamp(v, min_, max_);  // the true value lies in [min, max]: clamping only gets closer
}

double LogHistogram::percentile(double q) const {
  // Distribution::percentile's arithmetic, on order statistics read from the buckets.
  const uint64_t n = count_;
  const double virtual_index = static_cast<double>(n - 1) * (q / 100.0);
  const double floor_index = std::floor(virtual_index);
  const uint64_t lo = std::min(static_cast<uint64_t>(floor_index), n - 1);
  const uint64_t hi = std::min(lo + 1, n - 1);
  const double t = virtual_index - floor_index;
  const double a = value_at_rank(lo);
  const double b = value_at_rank(hi);
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

std::optional<Summary> LogHistogram::summary() const {
  if (count_ == 0) return std::nullopt;
  Summary s;
  s.count = static_cast<int64_t>(count_);
  s.avg = static_cast<double>((static_cast<long double>(int_sum_) + other_sum_) / static_cast<long double>(count_));
  s.min = min_;
  s.max = max_;
  s.std = std::sqrt(variance());
  double* fields[] = {&s.p1, &s.p5, &s.p10, &s.p25, &s.p50, &s.p75, &s.p90, &s.p95, &s.p99};
  for (std::size_t i = 0; i < kSummaryPercentiles.size(); ++i) {
    *fields[i] = percentile(kSummaryPercentiles[i]);
    const auto ranks = percentile_ranks(count_, kSummaryPercentiles[i], kPercentileConfidence);
    if (ranks.lower) s.intervals[i].low = value_at_rank(*ranks.lower - 1);
    if (ranks.upper) s.intervals[i].high = value_at_rank(*ranks.upper - 1);
  }
  return s;
}

}  // namespace aiperf::metrics
