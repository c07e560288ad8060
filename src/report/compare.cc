#include "report/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <set>

#include "metrics/distribution.h"
#include "report/svg.h"

namespace aiperf::report {
namespace {

using nlohmann::json;

struct StatDef {
  const char* name;
  double q;  // percentile; < 0 for the mean
};
constexpr StatDef kStats[] = {{"avg", -1}, {"p50", 50}, {"p90", 90}, {"p99", 99}};

// The point estimate of statistic q (< 0: the mean) of `v` (reordered in place).
double statistic(std::vector<double>& v, double q) {
  if (q < 0) {
    long double sum = 0;
    for (double x : v) sum += x;
    return static_cast<double>(sum / static_cast<long double>(v.size()));
  }
  // numpy 'linear', as the exports: the two order statistics around (n-1)q.
  const double index = static_cast<double>(v.size() - 1) * q / 100;
  const auto lo = static_cast<std::size_t>(std::floor(index));
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(lo), v.end());
  const double a = v[lo];
  if (lo + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + std::ptrdiff_t(lo) + 1, v.end());
  return a + (b - a) * (index - static_cast<double>(lo));
}

// One bootstrap resample of `sorted` as multiplicities (the resample, sorted, is each value
// repeated counts[i] times), and its statistics read off the counts in one pass: O(n) per
// resample, with no sort.
struct Resampler {
  const std::vector<double>& sorted;
  std::vector<uint32_t> counts;

  explicit Resampler(const std::vector<double>& s) : sorted(s), counts(s.size()) {}

  void draw(std::mt19937_64& rng) {
    std::fill(counts.begin(), counts.end(), 0);
    const uint64_t n = sorted.size();
    for (uint64_t i = 0; i < n; ++i) ++counts[((rng() >> 32) * n) >> 32];  // multiply-shift: bias < n / 2^32
  }

  // The value at 0-based position `pos` of the sorted resample.
  double at(std::size_t pos, std::size_t& index, std::size_t& seen) const {
    while (seen + counts[index] <= pos) seen += counts[index++];
    return sorted[index];
  }

  // avg, p50, p90, p99 of the resample (numpy 'linear' percentiles, as the exports).
  std::array<double, std::size(kStats)> statistics() const {
    std::array<double, std::size(kStats)> out{};
    long double sum = 0;
    for (std::size_t i = 0; i < sorted.size(); ++i) sum += static_cast<long double>(counts[i]) * sorted[i];
    out[0] = static_cast<double>(sum / static_cast<long double>(sorted.size()));
    std::size_t index = 0, seen = 0;  // percentiles ascend, so one walk serves them all
    for (std::size_t s = 1; s < std::size(kStats); ++s) {
      const double virtual_index = static_cast<double>(sorted.size() - 1) * kStats[s].q / 100;
      const auto lo = static_cast<std::size_t>(std::floor(virtual_index));
      const double a = at(lo, index, seen);
      const double b = lo + 1 < sorted.size() ? at(lo + 1, index, seen) : a;
      out[s] = a + (b - a) * (virtual_index - static_cast<double>(lo));
    }
    return out;
  }
};

// Resamples A and B independently and returns the sorted differences stat(B*) - stat(A*), per statistic.
std::vector<std::vector<double>> bootstrap(const std::vector<double>& a, const std::vector<double>& b,
                                           const CompareOptions& options, std::mt19937_64& rng) {
  std::vector<std::vector<double>> diffs(std::size(kStats));
  Resampler ra(a), rb(b);
  for (int r = 0; r < options.resamples; ++r) {
    ra.draw(rng);
    rb.draw(rng);
    const auto sa = ra.statistics(), sb = rb.statistics();
    for (std::size_t s = 0; s < std::size(kStats); ++s) diffs[s].push_back(sb[s] - sa[s]);
  }
  for (auto& d : diffs) std::sort(d.begin(), d.end());
  return diffs;
}

// FNV-1a: the same on every platform, unlike std::hash.
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::set<std::string> per_request_tags(const RunData& run) {
  std::set<std::string> tags;
  for (const auto& r : run.requests) {
    if (!r.ok) continue;
    // Per-request values only: a request's chunk gaps are not independent draws, so resampling
    // them one by one would understate the spread (ITL is their per-request summary).
    for (const auto& [tag, value] : r.values) tags.insert(tag);
  }
  return tags;
}

StatDiff make_diff(std::string tag, std::string stat, std::string unit, double a, double b) {
  StatDiff d{std::move(tag), std::move(stat), std::move(unit), a, b, b - a, std::nullopt, std::nullopt, std::nullopt};
  if (a != 0) d.relative = (b - a) / std::fabs(a);
  return d;
}

void add_per_request(const RunData& a, const RunData& b, const CompareOptions& options, std::vector<StatDiff>& out) {
  const auto tags_b = per_request_tags(b);
  for (const auto& tag : per_request_tags(a)) {
    if (!tags_b.count(tag)) continue;
    auto va = a.values(tag), vb = b.values(tag);
    if (va.empty() || vb.empty()) continue;
    std::sort(va.begin(), va.end());
    std::sort(vb.begin(), vb.end());
    // A seed per metric, so adding a metric does not change the others' intervals.
    std::mt19937_64 rng(options.seed ^ fnv1a(tag));
    const auto boot = bootstrap(va, vb, options, rng);
    const std::string unit = unit_of(a, tag).empty() ? (tag.find("latency") != std::string::npos ? "ms" : "")
                                                     : unit_of(a, tag);
    for (std::size_t s = 0; s < std::size(kStats); ++s) {
      auto d = make_diff(tag, kStats[s].name, unit, statistic(va, kStats[s].q), statistic(vb, kStats[s].q));
      d.ci_low = metrics::Distribution::percentile(boot[s], 100 * (1 - options.level) / 2);
      d.ci_high = metrics::Distribution::percentile(boot[s], 100 * (1 + options.level) / 2);
      out.push_back(std::move(d));
    }
  }
}

// Metrics with one value per run (throughputs, counts, goodput): no interval.
void add_single_values(const RunData& a, const RunData& b, std::vector<StatDiff>& out) {
  for (const auto& [tag, sa] : a.aggregate.items()) {
    if (!sa.is_object() || sa.contains("p50") || !sa.contains("avg") || !sa["avg"].is_number()) continue;
    const auto sb = b.aggregate.value(tag, json::object());
    if (!sb.is_object() || !sb.contains("avg") || !sb["avg"].is_number()) continue;
    out.push_back(make_diff(tag, "value", sa.value("unit", ""), sa["avg"].get<double>(), sb["avg"].get<double>()));
  }
}

}  // namespace

std::vector<StatDiff> compare_runs(const RunData& a, const RunData& b, const CompareOptions& options) {
  std::vector<StatDiff> out;
  add_per_request(a, b, options, out);
  add_single_values(a, b, out);
  return out;
}

Expected<Gate> parse_gate(std::string_view text) {
  Gate gate;
  gate.text = std::string(text);
  auto bad = [&](const std::string& why) {
    return fail(make_error(ErrorCode::kInvalidArgument,
                           fmt::format("'{}': {} (expected TAG:STAT:LIMIT, e.g. time_to_first_token:p99:+10%)",
                                       text, why))
                    .about("--fail-if"));
  };
  const auto first = text.find(':'), last = text.rfind(':');
  if (first == std::string_view::npos || first == last) return bad("three ':'-separated parts needed");
  gate.tag = std::string(text.substr(0, first));
  gate.stat = std::string(text.substr(first + 1, last - first - 1));
  std::string limit(text.substr(last + 1));
  if (gate.tag.empty() || gate.stat.empty() || limit.empty()) return bad("empty part");
  if (limit.back() == '%') gate.relative = true, limit.pop_back();
  if (limit.empty() || (limit[0] != '+' && limit[0] != '-')) return bad("the limit needs a sign (+ or -)");
  try {
    std::size_t used = 0;
    gate.limit = std::stod(limit, &used);
    if (used != limit.size() || !std::isfinite(gate.limit)) return bad("the limit is not a number");
  } catch (const std::exception&) {
    return bad("the limit is not a number");
  }
  if (gate.relative) gate.limit /= 100;
  return gate;
}

std::optional<std::string> check_gate(const Gate& gate, const std::vector<StatDiff>& diffs) {
  for (const auto& d : diffs) {
    if (d.tag != gate.tag || d.stat != gate.stat) continue;
    if (gate.relative && !d.relative) return fmt::format("--fail-if {}: run A's value is 0", gate.text);
    const double change = gate.relative ? *d.relative : d.diff;
    const bool exceeded = gate.limit >= 0 ? change > gate.limit : change < gate.limit;
    if (!exceeded) return std::nullopt;
    return fmt::format("--fail-if {}: {} {} changed from {} to {} ({}{:.1f}%)", gate.text, d.tag, d.stat,
                       human_number(d.a), human_number(d.b), d.diff >= 0 ? "+" : "",
                       d.relative ? *d.relative * 100 : 0.0);
  }
  return fmt::format("--fail-if {}: no metric {} with statistic {} in both runs", gate.text, gate.tag, gate.stat);
}

std::string compare_table(const std::vector<StatDiff>& diffs, const std::string& a_name, const std::string& b_name,
                          double level) {
  std::string out = fmt::format("{} (B) against {} (A); {:.0f}% bootstrap interval of B - A\n", b_name, a_name,
                                level * 100);
  out += fmt::format("{:<48} {:<5} {:>10} {:>10} {:>10} {:>8} {:>23}  {}\n", "metric (unit)", "stat", "A", "B",
                     "B - A", "rel", "interval", "significant");
  for (const auto& d : diffs) {
    const std::string name = d.unit.empty() ? d.tag : fmt::format("{} ({})", d.tag, d.unit);
    const std::string rel = d.relative ? fmt::format("{:+.1f}%", *d.relative * 100) : "";
    const std::string ci = d.ci_low ? fmt::format("[{}, {}]", human_number(*d.ci_low), human_number(*d.ci_high)) : "";
    out += fmt::format("{:<48} {:<5} {:>10} {:>10} {:>10} {:>8} {:>23}  {}\n", name, d.stat, human_number(d.a),
                       human_number(d.b), human_number(d.diff), rel, ci,
                       !d.ci_low ? "n/a" : d.significant() ? "yes" : "no");
  }
  return out;
}

}  // namespace aiperf::report
