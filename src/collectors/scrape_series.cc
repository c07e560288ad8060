#include "collectors/scrape_series.h"

#include <algorithm>
#include <cmath>

namespace aiperf::collectors {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// The same buckets, every count zero: a histogram series before its first observation.
HistogramSnapshot zero_like(const HistogramSnapshot& snap) {
  HistogramSnapshot zero;
  for (const auto& bucket : snap.buckets) zero.buckets.emplace_back(bucket.first, 0.0);
  return zero;
}

}  // namespace

std::optional<double> percentile(std::vector<double> values, double pct) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  double rank = pct / 100.0 * static_cast<double>(values.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(rank));
  std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
}

std::string label_text(const std::vector<Label>& labels, const std::string& instance, std::string_view skip) {
  std::vector<Label> sorted;
  for (const auto& l : labels) {
    if (l.first != skip) sorted.push_back(l);
  }
  if (!instance.empty()) sorted.emplace_back("instance", instance);
  if (sorted.empty()) return {};
  std::sort(sorted.begin(), sorted.end());
  std::string out = "{";
  for (const auto& [k, v] : sorted) out += (out.size() > 1 ? "," : "") + k + "=\"" + escape(v) + "\"";
  return out + "}";
}

std::string unit_from_name(std::string_view name) {
  if (ends_with(name, "_total")) name.remove_suffix(6);
  if (ends_with(name, "_seconds")) return "s";
  if (ends_with(name, "_bytes")) return "bytes";
  if (ends_with(name, "_tokens") || ends_with(name, "tokens")) return "tokens";
  if (ends_with(name, "_perc") || ends_with(name, "_ratio")) return "fraction";
  if (ends_with(name, "_requests") || ends_with(name, "_reqs")) return "requests";
  return {};
}

double ScalarSeries::increase() const {
  double total = 0;
  for (std::size_t i = 1; i < points.size(); ++i) {
    double step = points[i].second - points[i - 1].second;
    total += step >= 0 ? step : points[i].second;  // a reset restarts from 0
  }
  return total;
}

std::optional<double> DeltaHistogram::quantile(double pct) const {
  const auto& b = delta.buckets;
  if (b.empty() || b.back().second <= 0) return std::nullopt;
  double rank = pct / 100.0 * b.back().second;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i].second < rank) continue;
    if (std::isinf(b[i].first)) return i > 0 ? std::optional(b[i - 1].first) : std::nullopt;  // open-ended bucket
    double lower = i > 0 ? b[i - 1].first : std::min(0.0, b[i].first);
    double below = i > 0 ? b[i - 1].second : 0;
    double in_bucket = b[i].second - below;
    if (in_bucket <= 0) return b[i].first;
    return lower + (b[i].first - lower) * (rank - below) / in_bucket;
  }
  return b.back().first;
}

void ScrapeSeries::add_family(const MetricFamily& family, int64_t wall_ns, const std::string& instance,
                              std::optional<int64_t> baseline) {
  if (family.type == MetricType::kHistogram) {
    std::map<std::string, HistogramSnapshot> snapshots;
    for (const auto& s : family.samples) {
      auto& snap = snapshots[label_text(s.labels, instance, "le")];
      if (ends_with(s.name, "_bucket")) {
        auto le = s.label("le");
        if (!le) continue;  // the Prometheus format tolerates it; it is no bucket
        snap.buckets.emplace_back(le && *le == "+Inf" ? HUGE_VAL : std::strtod(le ? le->c_str() : "0", nullptr), s.value);
      } else if (ends_with(s.name, "_sum")) {
        snap.sum = s.value;
      } else if (ends_with(s.name, "_count")) {
        snap.count = s.value;
      }
    }
    for (auto& [labels, snap] : snapshots) {
      std::sort(snap.buckets.begin(), snap.buckets.end());
      auto& span = histograms_[family.name + labels];
      span.family = family.name;
      span.labels = labels;
      if (!span.first) span.first = baseline ? zero_like(snap) : snap;
      span.last = std::move(snap);
    }
    return;
  }
  for (const auto& s : family.samples) {
    if (ends_with(s.name, "_created")) continue;  // a start time, not a value
    std::string name = s.name + label_text(s.labels, instance);
    auto& series = scalars_[name];
    series.family = family.name;
    series.name = name;
    bool counter = family.type == MetricType::kCounter ||
                   (family.type == MetricType::kSummary && (ends_with(s.name, "_sum") || ends_with(s.name, "_count")));
    series.type = counter ? MetricType::kCounter : MetricType::kGauge;
    if (counter && baseline && series.points.empty()) series.points.emplace_back(*baseline, 0.0);
    series.points.emplace_back(wall_ns, s.value);
  }
}

std::vector<DeltaHistogram> ScrapeSeries::histograms() const {
  std::vector<DeltaHistogram> out;
  for (const auto& [key, span] : histograms_) {
    DeltaHistogram h{span.family, span.labels, *span.last};
    const HistogramSnapshot& first = *span.first;
    bool reset = span.last->count < first.count || span.last->buckets.size() != first.buckets.size();
    if (!reset) {
      for (std::size_t i = 0; i < h.delta.buckets.size(); ++i) h.delta.buckets[i].second -= first.buckets[i].second;
      h.delta.sum -= first.sum;
      h.delta.count -= first.count;
    }
    out.push_back(std::move(h));
  }
  return out;
}

CollectorStat histogram_stat(const DeltaHistogram& h, const std::string& display) {
  CollectorStat s{h.family + h.labels, display, unit_from_name(h.family), "histogram", {}};
  s.values.emplace_back("count", h.delta.count);
  s.values.emplace_back("sum", h.delta.sum);
  if (h.delta.count > 0) s.values.emplace_back("avg", h.delta.sum / h.delta.count);
  for (double pct : {50.0, 90.0, 99.0}) {
    if (auto q = h.quantile(pct)) s.values.emplace_back("p" + std::to_string(static_cast<int>(pct)), *q);
  }
  return s;
}

CollectorStat scalar_stat(const ScalarSeries& series, const std::string& display, double duration_s) {
  bool counter = series.type == MetricType::kCounter;
  CollectorStat s{series.name, display, unit_from_name(series.family), counter ? "counter" : "gauge", {}};
  if (counter) {
    double delta = series.increase();
    s.values.emplace_back("delta", delta);
    if (duration_s > 0) s.values.emplace_back("rate", delta / duration_s);
    return s;
  }
  std::vector<double> v;
  for (const auto& p : series.points) v.push_back(p.second);
  if (v.empty()) return s;
  double sum = 0;
  for (double x : v) sum += x;
  s.values.emplace_back("min", *std::min_element(v.begin(), v.end()));
  s.values.emplace_back("avg", sum / static_cast<double>(v.size()));
  s.values.emplace_back("max", *std::max_element(v.begin(), v.end()));
  s.values.emplace_back("p50", *percentile(v, 50));
  s.values.emplace_back("p99", *percentile(v, 99));
  return s;
}

}  // namespace aiperf::collectors
