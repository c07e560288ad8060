// The charts of the report, built from runs' per-request records.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "report/report.h"
#include "report/server_side.h"

namespace aiperf::report {
namespace {

constexpr std::size_t kCdfPoints = 400;      // a CDF is drawn through this many quantiles
constexpr std::size_t kScatterPoints = 2500;  // per run: keeps 10k-request reports small
constexpr int kHistogramBins = 40;
constexpr int kTimeBins = 60;               // at most, over the run
constexpr double kMinBinSeconds = 0.25;

struct LatencyMetric {
  const char* tag;
  const char* id;
  const char* name;
};
constexpr LatencyMetric kLatencyMetrics[] = {{"time_to_first_token", "ttft", "Time to first token"},
                                             {"inter_token_latency", "itl", "Inter-token latency"},
                                             {"request_latency", "latency", "Request latency"}};

ChartSpec chart(std::string title, std::string x_label, std::string y_label) {
  ChartSpec c;
  c.title = std::move(title), c.x_label = std::move(x_label), c.y_label = std::move(y_label);
  return c;
}

Series series_of(const RunData& run, std::size_t i, SeriesKind kind) {
  return Series{run.name, palette_colour(i), kind, {}};
}

ChartSpec cdf_chart(const std::vector<RunData>& runs, const LatencyMetric& m) {
  ChartSpec c = chart(fmt::format("{} — CDF", m.name), fmt::format("{} (ms)", m.name), "requests at or below (%)");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto v = runs[i].values(m.tag);
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    auto s = series_of(runs[i], i, SeriesKind::kLine);
    const std::size_t n = std::min(kCdfPoints, v.size());
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t index = n == 1 ? v.size() - 1 : k * (v.size() - 1) / (n - 1);
      s.points.emplace_back(v[index], 100.0 * static_cast<double>(index + 1) / static_cast<double>(v.size()));
    }
    c.series.push_back(std::move(s));
  }
  return c;
}

ChartSpec histogram_chart(const std::vector<RunData>& runs, const LatencyMetric& m) {
  ChartSpec c = chart(fmt::format("{} — histogram", m.name), fmt::format("{} (ms)", m.name), "requests");
  double lo = INFINITY, hi = -INFINITY;
  std::vector<std::vector<double>> values;
  for (const auto& run : runs) {
    values.push_back(run.values(m.tag));
    for (double x : values.back()) lo = std::min(lo, x), hi = std::max(hi, x);
  }
  if (!(hi >= lo)) return c;
  const double width = hi > lo ? (hi - lo) / kHistogramBins : 1;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (values[i].empty()) continue;
    std::vector<double> counts(kHistogramBins, 0);
    for (double x : values[i]) counts[std::min<std::size_t>(kHistogramBins - 1, std::size_t((x - lo) / width))] += 1;
    auto s = series_of(runs[i], i, SeriesKind::kStep);  // outlines overlay readably
    s.points.emplace_back(lo, 0);
    for (int b = 0; b < kHistogramBins; ++b) {
      s.points.emplace_back(lo + b * width, counts[b]);
      s.points.emplace_back(lo + (b + 1) * width, counts[b]);
    }
    s.points.emplace_back(lo + kHistogramBins * width, 0);
    c.series.push_back(std::move(s));
  }
  return c;
}

double run_duration(const std::vector<RunData>& runs) {
  double end = 0;
  for (const auto& run : runs) {
    for (const auto& r : run.requests) end = std::max(end, r.end_s);
  }
  return end > 0 ? end : 1;
}

// Per time bin of `width` seconds: completions per second, or output tokens per second.
ChartSpec rate_chart(const std::vector<RunData>& runs, bool tokens, double width, std::size_t count) {
  ChartSpec c = chart(tokens ? "Output tokens per second" : "Requests completed per second", kTimeAxis,
              tokens ? "output tokens/s" : "requests/s");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<double> bins(count, 0);
    for (const auto& r : runs[i].requests) {
      if (!r.ok) continue;
      auto b = std::min<std::size_t>(count - 1, std::size_t(r.end_s / width));
      auto osl = r.values.find("output_sequence_length");
      bins[b] += tokens ? (osl == r.values.end() ? 0 : osl->second) : 1;
    }
    auto s = series_of(runs[i], i, SeriesKind::kStep);
    for (std::size_t b = 0; b < count; ++b) s.points.emplace_back(double(b) * width, bins[b] / width);
    s.points.emplace_back(double(count) * width, bins.back() / width);
    c.series.push_back(std::move(s));
  }
  return c;
}

ChartSpec in_flight_chart(const std::vector<RunData>& runs, double duration) {
  ChartSpec c = chart("Requests in flight", kTimeAxis, "requests");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<double> starts, ends;
    for (const auto& r : runs[i].requests) starts.push_back(r.start_s), ends.push_back(r.end_s);
    std::sort(starts.begin(), starts.end());
    std::sort(ends.begin(), ends.end());
    auto s = series_of(runs[i], i, SeriesKind::kStep);
    constexpr int kSamples = 300;
    for (int k = 0; k <= kSamples; ++k) {
      const double t = duration * k / kSamples;
      auto started = std::upper_bound(starts.begin(), starts.end(), t) - starts.begin();
      auto ended = std::upper_bound(ends.begin(), ends.end(), t) - ends.begin();
      s.points.emplace_back(t, static_cast<double>(started - ended));
    }
    c.series.push_back(std::move(s));
  }
  return c;
}

// One point per request (every k-th when there are more than kScatterPoints).
ChartSpec scatter_chart(const std::vector<RunData>& runs, const std::string& tag, const std::string& title,
                        const std::string& y_label) {
  ChartSpec c = chart(title, kSendTimeAxis, y_label);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto s = series_of(runs[i], i, SeriesKind::kScatter);
    const auto& requests = runs[i].requests;
    const std::size_t stride = requests.size() / kScatterPoints + 1;
    for (std::size_t k = 0; k < requests.size(); k += stride) {
      if (auto it = requests[k].values.find(tag); it != requests[k].values.end()) {
        s.points.emplace_back(requests[k].start_s, it->second);
      }
    }
    c.series.push_back(std::move(s));
  }
  return c;
}

ChartSpec errors_chart(const std::vector<RunData>& runs) {
  ChartSpec c = chart("Errors by kind", "error kind", "requests");
  std::set<std::string> kinds;
  for (const auto& run : runs) {
    const auto it = run.aggregate.find("errors_by_kind");
    if (it == run.aggregate.end() || !it->is_object()) continue;
    for (const auto& [kind, n] : it->items()) kinds.insert(kind);
  }
  c.categories.assign(kinds.begin(), kinds.end());
  if (c.categories.empty()) c.categories.push_back("none");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto s = series_of(runs[i], i, SeriesKind::kBars);
    const auto by_kind = runs[i].aggregate.value("errors_by_kind", nlohmann::json::object());
    for (std::size_t k = 0; k < c.categories.size(); ++k) {
      s.points.emplace_back(double(k), by_kind.value(c.categories[k], 0.0));
    }
    c.series.push_back(std::move(s));
  }
  return c;
}

// --slice-duration runs: TTFT p50 and p99 of each slice, by slice start.
ChartSpec slices_chart(const std::vector<RunData>& runs) {
  ChartSpec c = chart("Time to first token per time slice", "slice start since profiling start (s)", "TTFT (ms)");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!runs[i].timeslices.is_array()) continue;
    for (const char* stat : {"p50", "p99"}) {
      Series s{fmt::format("{} {}", runs[i].name, stat), palette_colour(2 * i + (stat[1] == '9')), SeriesKind::kLine, {}};
      for (const auto& slice : runs[i].timeslices) {
        if (!slice.is_object()) continue;
        const auto start = slice.value("start_sec", nlohmann::json());
        const auto ttft = slice.value("time_to_first_token", nlohmann::json());
        const auto value = ttft.is_object() ? ttft.value(stat, nlohmann::json()) : nlohmann::json();
        if (start.is_number() && value.is_number()) s.points.emplace_back(start.get<double>(), value.get<double>());
      }
      c.series.push_back(std::move(s));
    }
  }
  return c;
}

}  // namespace

std::vector<NamedChart> report_charts(const std::vector<RunData>& runs) {
  std::vector<NamedChart> charts;
  for (const auto& m : kLatencyMetrics) {
    charts.push_back({fmt::format("{}_cdf", m.id), "Latency distributions (profiling phase)", cdf_chart(runs, m)});
    charts.push_back({fmt::format("{}_histogram", m.id), "Latency distributions (profiling phase)",
                      histogram_chart(runs, m)});
  }
  const double duration = run_duration(runs);
  // Bins of at least kMinBinSeconds: shorter ones alias with the waves of a closed loop.
  const double width = std::max(duration / kTimeBins, kMinBinSeconds);
  const auto bins = static_cast<std::size_t>(std::ceil(duration / width));
  const std::string over_time = "Over the run (profiling phase)";
  charts.push_back({"in_flight", over_time, in_flight_chart(runs, duration)});
  charts.push_back({"completed_per_second", over_time, rate_chart(runs, false, width, bins)});
  charts.push_back({"output_tokens_per_second", over_time, rate_chart(runs, true, width, bins)});
  charts.push_back({"ttft_by_send_time", over_time,
                    scatter_chart(runs, "time_to_first_token", "Time to first token by send time", "TTFT (ms)")});
  charts.push_back({"latency_by_send_time", over_time,
                    scatter_chart(runs, "request_latency", "Request latency by send time", "request latency (ms)")});
  charts.push_back({"schedule_lag", over_time,
                    scatter_chart(runs, "schedule_lag", "Schedule lag by send time (late sends)", "schedule lag (ms)")});
  if (std::any_of(runs.begin(), runs.end(), [](const RunData& r) { return r.timeslices.is_array() && !r.timeslices.empty(); })) {
    charts.push_back({"ttft_per_slice", over_time, slices_chart(runs)});
  }
  charts.push_back({"errors_by_kind", "Errors", errors_chart(runs)});
  for (auto& c : server_side_charts(runs)) charts.push_back(std::move(c));
  return charts;
}

}  // namespace aiperf::report
