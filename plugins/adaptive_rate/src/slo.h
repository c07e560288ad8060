// The service-level objective adaptive_rate checks each interval: a latency
// metric's percentile must stay at or below a threshold.
#pragma once

#include <string>
#include <vector>

#include <aiperf/sdk/config.h>

namespace aiperf_plugins::adaptive_rate {

/// Which per-request latency the SLO constrains.
enum class SloMetric {
  kTimeToFirstToken,  ///< "time_to_first_token" (falls back to latency for unstreamed answers).
  kRequestLatency,    ///< "request_latency".
};

/// The SLO: percentile `percentile` of `metric` must be <= `threshold_ms`.
struct Slo {
  SloMetric metric = SloMetric::kTimeToFirstToken;  ///< The constrained metric.
  double percentile = 90;                           ///< In (0, 100].
  double threshold_ms = 0;                          ///< > 0.

  /// Parses the `slo` config object; aiperf::ConfigError names the bad key.
  static Slo from_json(const nlohmann::json& json);
  /// Parses an already wrapped `slo` object.
  static Slo parse(const aiperf::PluginConfig& config);
  /// The metric's AIPerf tag, e.g. "time_to_first_token".
  std::string metric_name() const;
};

/// Linear-interpolated percentile (numpy's default) of `values`; `values` is sorted in place.
/// Infinite values (failed requests) sort last. Requires a non-empty vector.
double percentile(std::vector<double>& values, double pct);

}  // namespace aiperf_plugins::adaptive_rate
