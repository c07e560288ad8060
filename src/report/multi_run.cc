#include "report/multi_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/svg.h"

namespace aiperf::report {
namespace {

using nlohmann::json;

constexpr const char* kStats[] = {"avg", "p50", "p90", "p99"};

// ln Beta(a, b).
double log_beta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

// Continued fraction of the regularised incomplete beta function (modified Lentz's method).
double beta_fraction(double x, double a, double b) {
  constexpr double kTiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  d = 1 / (std::fabs(d) < kTiny ? kTiny : d);
  double h = d;
  for (int m = 1; m <= 300; ++m) {
    const double md = m;
    for (double numerator : {md * (b - md) * x / ((a + 2 * md - 1) * (a + 2 * md)),
                             -(a + md) * (a + b + md) * x / ((a + 2 * md) * (a + 2 * md + 1))}) {
      d = 1 + numerator * d;
      d = 1 / (std::fabs(d) < kTiny ? kTiny : d);
      c = 1 + numerator / c;
      if (std::fabs(c) < kTiny) c = kTiny;
      h *= d * c;
    }
    if (std::fabs(d * c - 1) < 1e-15) break;
  }
  return h;
}

// I_x(a, b), the regularised incomplete beta function.
double incomplete_beta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(a * std::log(x) + b * std::log1p(-x) - log_beta(a, b));
  if (x < (a + 1) / (a + b + 2)) return front * beta_fraction(x, a, b) / a;
  return 1 - front * beta_fraction(1 - x, b, a) / b;  // the symmetric form converges here
}

double student_t_cdf(double t, double df) {
  const double tail = 0.5 * incomplete_beta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

json across(const std::vector<double>& v, double level) {
  const double n = static_cast<double>(v.size());
  double mean = 0;
  for (double x : v) mean += x / n;
  double squares = 0;
  for (double x : v) squares += (x - mean) * (x - mean);
  const double sd = v.size() > 1 ? std::sqrt(squares / (n - 1)) : 0;  // sample std (ddof=1)
  const double half = v.size() > 1 ? student_t_quantile((1 + level) / 2, n - 1) * sd / std::sqrt(n) : 0;
  return {{"mean", mean}, {"std", sd}, {"min", *std::min_element(v.begin(), v.end())},
          {"max", *std::max_element(v.begin(), v.end())}, {"ci_low", mean - half}, {"ci_high", mean + half},
          {"cv", mean != 0 ? json(sd / std::fabs(mean)) : json(nullptr)}, {"values", v}};
}

}  // namespace

double student_t_quantile(double p, double df) {
  if (p == 0.5) return 0;
  if (p < 0.5) return -student_t_quantile(1 - p, df);
  double lo = 0, hi = 1;
  while (student_t_cdf(hi, df) < p && hi < 1e12) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (student_t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

json aggregate_runs(const std::vector<json>& runs, double level) {
  json metrics = json::object();
  if (runs.empty()) return {{"num_runs", 0}, {"confidence_level", level}, {"metrics", metrics}};
  for (const auto& [tag, first] : runs.front().items()) {
    if (!first.is_object() || !first.contains("unit") || !first.contains("avg")) continue;
    json out = {{"unit", first["unit"]}};
    for (const char* stat : kStats) {
      std::vector<double> values;
      for (const auto& run : runs) {
        const auto metric = run.find(tag);
        if (metric == run.end() || !metric->is_object() || !metric->contains(stat) || !(*metric)[stat].is_number()) break;
        values.push_back((*metric)[stat].get<double>());
      }
      if (values.size() == runs.size()) out[stat] = across(values, level);
    }
    if (out.size() > 1) metrics[tag] = std::move(out);
  }
  return {{"num_runs", runs.size()}, {"confidence_level", level}, {"metrics", metrics}};
}

std::string aggregate_table(const json& aggregate) {
  const double level = aggregate.value("confidence_level", 0.95);
  std::string out = fmt::format("Across {} profile runs (mean and {:.0f}% interval of the mean):\n",
                                aggregate.value("num_runs", 0), level * 100);
  for (const char* tag : {"time_to_first_token", "inter_token_latency", "request_latency", "request_throughput",
                          "output_token_throughput"}) {
    const auto metrics = aggregate.value("metrics", json::object());
    if (!metrics.contains(tag)) continue;
    const auto& m = metrics[tag];
    for (const char* stat : {"avg", "p99"}) {
      if (!m.contains(stat)) continue;
      const auto& s = m[stat];
      out += fmt::format("  {:<28} {:<4} {:>10} [{}, {}] {} (cv {})\n", tag, stat,
                         human_number(s["mean"].get<double>()), human_number(s["ci_low"].get<double>()),
                         human_number(s["ci_high"].get<double>()), m.value("unit", ""),
                         s["cv"].is_number() ? fmt::format("{:.1f}%", s["cv"].get<double>() * 100) : "n/a");
    }
  }
  return out;
}

}  // namespace aiperf::report
