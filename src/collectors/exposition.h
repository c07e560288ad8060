// A parser of the Prometheus text exposition format (version 0.0.4) and of
// OpenMetrics 1.0 text: the samples a /metrics endpoint serves, grouped into
// metric families with their TYPE, HELP and UNIT. Errors carry line:column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace aiperf::collectors {

/// The TYPE of a metric family (OpenMetrics names; Prometheus' `untyped` is kUnknown).
enum class MetricType { kUnknown, kCounter, kGauge, kHistogram, kSummary, kGaugeHistogram, kStateSet, kInfo };

/// The name a TYPE line uses for `type` ("counter", ...; kUnknown is "untyped").
std::string_view metric_type_name(MetricType type);

/// Label name and value, value unescaped.
using Label = std::pair<std::string, std::string>;

/// One sample line.
struct Sample {
  std::string name;           ///< The sample's own name, e.g. "http_requests_bucket".
  std::vector<Label> labels;  ///< In the order written.
  double value = 0;
  std::optional<int64_t> timestamp_ms;  ///< As written (OpenMetrics seconds converted to ms).
  /// The value of label `name`, or null.
  const std::string* label(std::string_view name) const;
};

/// A metric family: its name (without _total/_bucket/... suffixes), metadata, samples.
struct MetricFamily {
  std::string name;
  MetricType type = MetricType::kUnknown;
  std::string help;  ///< Unescaped; empty when there is no HELP line.
  std::string unit;  ///< OpenMetrics UNIT, else empty.
  std::vector<Sample> samples;
};

/// Which text format to read.
enum class ExpositionFormat {
  kAuto,         ///< OpenMetrics when the text ends with "# EOF", else Prometheus.
  kPrometheus,   ///< text/plain; version=0.0.4
  kOpenMetrics,  ///< application/openmetrics-text; version=1.0.0
};

/// A parsed exposition.
struct Exposition {
  bool openmetrics = false;
  std::vector<MetricFamily> families;  ///< In order of first appearance.
  /// The family named `name`, or null.
  const MetricFamily* find(std::string_view name) const;
};

/// Parses exposition text. The first error found is returned, with line and column (1-based).
Expected<Exposition> parse_exposition(std::string_view text, ExpositionFormat format = ExpositionFormat::kAuto);

}  // namespace aiperf::collectors
