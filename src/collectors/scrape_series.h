// Scrapes of Prometheus text over a phase, turned into what a phase means:
// counters into increases and rates, gauges into series with statistics,
// histograms into the delta histogram between the first and last scrape.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aiperf/sdk/collector.h"
#include "collectors/exposition.h"

namespace aiperf::collectors {

/// Linear-interpolated percentile (0..100) of `values`; nullopt when empty.
std::optional<double> percentile(std::vector<double> values, double pct);

/// A histogram's cumulative buckets at one scrape.
struct HistogramSnapshot {
  std::vector<std::pair<double, double>> buckets;  ///< (upper bound `le`, cumulative count), ascending.
  double sum = 0;
  double count = 0;
};

/// The delta histogram of a phase.
struct DeltaHistogram {
  std::string family;  ///< e.g. "vllm:time_to_first_token_seconds".
  std::string labels;  ///< Canonical label text without `le`, e.g. "{model_name=\"m\"}".
  HistogramSnapshot delta;
  /// The `pct` percentile (0..100) in the histogram's unit, interpolated inside its bucket
  /// (Prometheus' histogram_quantile); nullopt when empty.
  std::optional<double> quantile(double pct) const;
};

/// One counter or gauge series over the phase.
struct ScalarSeries {
  std::string family;
  std::string name;  ///< Sample name + canonical labels, e.g. "vllm:prompt_tokens_total{model_name=\"m\"}".
  MetricType type = MetricType::kUnknown;
  std::vector<std::pair<int64_t, double>> points;  ///< (wall ns, value).
  /// Counter increase over the phase (a drop is a counter reset, as Prometheus' increase()).
  double increase() const;
};

/// Accumulates scrapes; one instance per phase.
class ScrapeSeries {
 public:
  /// Adds one scrape taken at `wall_ns`. `instance` (may be empty) is added as a label
  /// so that several endpoints' series stay apart. `keep(family)` filters families.
  /// A counter or histogram series absent from the instance's first scrape started during
  /// the phase: it counts from zero at that first scrape, as a new Prometheus series does.
  template <class Keep>
  void add(const Exposition& scrape, int64_t wall_ns, const std::string& instance, Keep&& keep) {
    const auto [first, inserted] = first_scrape_ns_.emplace(instance, wall_ns);
    const std::optional<int64_t> baseline = inserted ? std::nullopt : std::optional(first->second);
    for (const auto& family : scrape.families) {
      if (keep(family.name)) add_family(family, wall_ns, instance, baseline);
    }
    ++scrapes_;
  }
  /// Scrapes added.
  uint64_t scrapes() const { return scrapes_; }
  /// Every counter and gauge series, by name.
  const std::map<std::string, ScalarSeries>& scalars() const { return scalars_; }
  /// Delta histograms between the first and the last scrape.
  std::vector<DeltaHistogram> histograms() const;

 private:
  // `baseline`: the instance's first scrape, when this is a later one (new series start at 0 there).
  void add_family(const MetricFamily& family, int64_t wall_ns, const std::string& instance,
                  std::optional<int64_t> baseline);
  struct HistogramSpan {
    std::string family, labels;
    std::optional<HistogramSnapshot> first, last;
  };
  uint64_t scrapes_ = 0;
  std::map<std::string, int64_t> first_scrape_ns_;  // by instance
  std::map<std::string, ScalarSeries> scalars_;
  std::map<std::string, HistogramSpan> histograms_;
};

/// Canonical label text: sorted by name, `skip` left out, "" when no labels remain.
std::string label_text(const std::vector<Label>& labels, const std::string& instance, std::string_view skip = {});

/// The unit a metric name implies by Prometheus' naming conventions ("s", "bytes", "tokens", ...).
std::string unit_from_name(std::string_view name);

/// A stat for a delta histogram: count, sum, avg, p50, p90, p99.
CollectorStat histogram_stat(const DeltaHistogram& h, const std::string& display);
/// A stat for a series: counters give delta and rate over `duration_s`, gauges min/avg/max/p50/p99.
CollectorStat scalar_stat(const ScalarSeries& s, const std::string& display, double duration_s);

}  // namespace aiperf::collectors
