#include "metrics/distribution.h"

#include <algorithm>
#include <cmath>

namespace aiperf::metrics {

Summary Summary::scaled(double factor) const {
  Summary s = *this;
  for (double* v : {&s.avg, &s.min, &s.max, &s.p1, &s.p5, &s.p10, &s.p25, &s.p50, &s.p75,
                    &s.p90, &s.p95, &s.p99}) {
    *v *= factor;
  }
  s.std *= std::fabs(factor);
  return s;
}

void Distribution::add(double value) {
  if (std::isfinite(value)) values_.push_back(value);
}

void Distribution::merge(const Distribution& other) {
  values_.insert(values_.end(), other.values_.begin(), other.values_.end());
}

double Distribution::percentile(const std::vector<double>& sorted, double q) {
  // numpy's 'linear' method (numpy/lib/function_base.py): virtual index
  // (n-1)*quantile, then _lerp(a, b, t) = a + (b-a)*t, computed as
  // b - (b-a)*(1-t) when t >= 0.5 (numpy's form, for monotonicity).
  const std::size_t n = sorted.size();
  const double virtual_index = static_cast<double>(n - 1) * (q / 100.0);
  const double floor_index = std::floor(virtual_index);
  const std::size_t lo = std::min(static_cast<std::size_t>(floor_index), n - 1);
  const std::size_t hi = std::min(lo + 1, n - 1);
  const double t = virtual_index - floor_index;
  const double a = sorted[lo];
  const double b = sorted[hi];
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

std::optional<Summary> Distribution::summary() const {
  if (values_.empty()) return std::nullopt;
  // Sorting first makes every sum below independent of insertion and merge
  // order, so a merged store summarises bit-for-bit like the whole.
  std::vector<double> sorted = values_;
  std::sort(sorted.begin(), sorted.end());
  const auto n = static_cast<long double>(sorted.size());

  long double sum = 0;
  for (double v : sorted) sum += v;
  const long double mean = sum / n;
  long double squares = 0;
  for (double v : sorted) {
    const long double d = v - mean;
    squares += d * d;
  }

  Summary s;
  s.count = static_cast<int64_t>(sorted.size());
  s.avg = static_cast<double>(mean);
  s.min = sorted.front();
  s.max = sorted.back();
  s.std = static_cast<double>(std::sqrt(squares / n));
  s.p1 = percentile(sorted, 1);
  s.p5 = percentile(sorted, 5);
  s.p10 = percentile(sorted, 10);
  s.p25 = percentile(sorted, 25);
  s.p50 = percentile(sorted, 50);
  s.p75 = percentile(sorted, 75);
  s.p90 = percentile(sorted, 90);
  s.p95 = percentile(sorted, 95);
  s.p99 = percentile(sorted, 99);
  return s;
}

}  // namespace aiperf::metrics
