#include "metrics/distribution.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cmath>
#include <utility>

namespace aiperf::metrics {

namespace {

// Binomial(n, p) probabilities over the window [first, first + size) that holds all but
// a negligible (< 1e-20) share of the mass: O(sqrt(n)) terms. The term at the mode comes
// from log space (so neither (1-p)^n nor the binomial coefficient under- or overflows);
// the others from their neighbour by the ratio pmf(k+1)/pmf(k) = (n-k)/(k+1) * p/(1-p),
// one multiply each instead of three lgamma calls (this runs per percentile per metric).
struct BinomialWindow {
  std::size_t first = 0;
  std::vector<double> pmf;
};

double binomial_pmf(double n, double k, double p) {
  return std::exp(std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1) + k * std::log(p) +
                  (n - k) * std::log1p(-p));
}

BinomialWindow binomial_window(std::size_t n, double p) {
  const double nd = static_cast<double>(n);
  const double sd = std::sqrt(nd * p * (1 - p));
  const double lo = std::max(0.0, std::floor(nd * p - 12 * sd - 12));
  const double hi = std::min(nd, std::ceil(nd * p + 12 * sd + 12));
  BinomialWindow w;
  w.first = static_cast<std::size_t>(lo);
  const auto last = static_cast<std::size_t>(hi);
  const std::size_t mode = std::clamp(static_cast<std::size_t>(std::floor((nd + 1) * p)), w.first, last);
  w.pmf.resize(last - w.first + 1);
  const double odds = p / (1 - p);
  double term = binomial_pmf(nd, static_cast<double>(mode), p);
  w.pmf[mode - w.first] = term;
  for (std::size_t k = mode; k < last; ++k) {  // upwards: pmf(k+1) from pmf(k)
    term *= static_cast<double>(n - k) / static_cast<double>(k + 1) * odds;
    w.pmf[k + 1 - w.first] = term;
  }
  term = w.pmf[mode - w.first];
  for (std::size_t k = mode; k > w.first; --k) {  // downwards: pmf(k-1) from pmf(k)
    term *= static_cast<double>(k) / static_cast<double>(n - k + 1) / odds;
    w.pmf[k - 1 - w.first] = term;
  }
  return w;
}

// Order-preserving unsigned keys of doubles: a positive one gets its sign bit set, a negative
// one all its bits flipped (larger magnitude, smaller key).
uint64_t sort_key(double v) {
  const auto bits = std::bit_cast<uint64_t>(v);
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

double from_sort_key(uint64_t key) {
  return std::bit_cast<double>((key >> 63) != 0 ? key & ~(uint64_t{1} << 63) : ~key);
}

}  // namespace

// Least-significant-digit radix sort, 11 bits a pass: every metric's values are sorted at the end of a
// run, and a comparison sort of random latencies spends most of its time on mispredicted branches. A
// pass whose digit is the same for every key (the top bits of values of one magnitude) is skipped.
void sort_ascending(std::vector<double>& values) {
  const auto before = [](double a, double b) { return sort_key(a) < sort_key(b); };
  const std::size_t n = values.size();
  if (n < 1024) return std::sort(values.begin(), values.end(), before);
  constexpr int kBits = 11;
  constexpr int kPasses = (64 + kBits - 1) / kBits;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  std::vector<uint64_t> keys(n), scratch(n);
  std::vector<std::array<std::size_t, kBuckets>> counts(kPasses);
  for (auto& c : counts) c.fill(0);
  for (std::size_t i = 0; i < n; ++i) {
    keys[i] = sort_key(values[i]);
    for (int p = 0; p < kPasses; ++p) ++counts[p][(keys[i] >> (p * kBits)) & (kBuckets - 1)];
  }
  for (int p = 0; p < kPasses; ++p) {
    auto& c = counts[p];
    if (c[(keys[0] >> (p * kBits)) & (kBuckets - 1)] == n) continue;
    std::size_t start = 0;
    for (auto& slot : c) start += std::exchange(slot, start);
    for (const uint64_t k : keys) scratch[c[(k >> (p * kBits)) & (kBuckets - 1)]++] = k;
    keys.swap(scratch);
  }
  for (std::size_t i = 0; i < n; ++i) values[i] = from_sort_key(keys[i]);
}

OrderRanks percentile_ranks(std::size_t n, double q, double level) {
  OrderRanks ranks;
  if (n == 0 || q <= 0 || q >= 100) return ranks;
  const double tail = (1 - level) / 2;
  const auto w = binomial_window(n, q / 100);
  // Coverage of [X_(l), X_(u)] is P(l <= B <= u-1): take the largest l with
  // P(B <= l-1) <= tail and the smallest u with P(B >= u) <= tail.
  double below = 0;  // P(B <= first + i - 1), mass left of the window is negligible
  for (std::size_t i = 0; i < w.pmf.size(); ++i) {
    const std::size_t l = w.first + i + 1;  // P(B <= l - 1) = below + pmf[i]
    below += w.pmf[i];
    if (below > tail || l > n) break;
    ranks.lower = l;
  }
  double above = 0;  // P(B >= u)
  for (std::size_t i = w.pmf.size(); i-- > 0;) {
    const std::size_t u = w.first + i;
    above += w.pmf[i];
    if (above > tail || u == 0) break;
    if (u <= n) ranks.upper = u;
  }
  return ranks;
}

std::size_t min_samples_for_interval(double q, double level) {
  // Both sides are bounded once P(B = 0) = (1-p)^n and P(B = n) = p^n are each <= tail.
  const double p = q / 100;
  const double worst = std::max(p, 1 - p);
  return static_cast<std::size_t>(std::ceil(std::log((1 - level) / 2) / std::log(worst)));
}

PercentileInterval Distribution::percentile_interval(const std::vector<double>& sorted, double q, double level) {
  const auto ranks = percentile_ranks(sorted.size(), q, level);
  PercentileInterval interval;
  if (ranks.lower) interval.low = sorted[*ranks.lower - 1];
  if (ranks.upper) interval.high = sorted[*ranks.upper - 1];
  return interval;
}

Summary Summary::scaled(double factor) const {
  Summary s = *this;
  for (double* v : {&s.avg, &s.min, &s.max, &s.p1, &s.p5, &s.p10, &s.p25, &s.p50, &s.p75,
                    &s.p90, &s.p95, &s.p99}) {
    *v *= factor;
  }
  for (auto& interval : s.intervals) {
    if (interval.low) *interval.low *= factor;
    if (interval.high) *interval.high *= factor;
    if (factor < 0) std::swap(interval.low, interval.high);
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

void Distribution::merge(Distribution&& other) {
  if (&other == this) return;
  while (!other.values_.empty()) {  // std::deque frees a block once pop_front has emptied it
    values_.push_back(other.values_.front());
    other.values_.pop_front();
  }
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
  std::vector<double> sorted(values_.begin(), values_.end());
  sort_ascending(sorted);
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
  for (std::size_t i = 0; i < kSummaryPercentiles.size(); ++i) {
    s.intervals[i] = percentile_interval(sorted, kSummaryPercentiles[i], kPercentileConfidence);
  }
  return s;
}

}  // namespace aiperf::metrics
