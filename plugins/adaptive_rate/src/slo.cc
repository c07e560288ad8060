#include "slo.h"

#include <algorithm>
#include <cmath>

namespace aiperf_plugins::adaptive_rate {

Slo Slo::from_json(const nlohmann::json& json) {
  if (!json.is_object()) {
    throw aiperf::ConfigError("key 'slo' must be a mapping {metric, percentile, threshold_ms}, got " +
                              std::string(json.type_name()));
  }
  try {
    return parse(aiperf::PluginConfig(json));
  } catch (const aiperf::ConfigError& e) {
    std::string message = e.what();
    if (message.rfind("slo.", 0) == 0 || message.rfind("missing required key 'slo.", 0) == 0) throw;
    throw aiperf::ConfigError("in 'slo': " + message);
  }
}

Slo Slo::parse(const aiperf::PluginConfig& config) {
  const auto& json = config.json();
  config.allow_only({"metric", "percentile", "threshold_ms"});
  Slo slo;
  auto metric = config.get<std::string>("metric", "time_to_first_token");
  if (metric == "time_to_first_token") {
    slo.metric = SloMetric::kTimeToFirstToken;
  } else if (metric == "request_latency") {
    slo.metric = SloMetric::kRequestLatency;
  } else {
    throw aiperf::ConfigError("slo.metric must be 'time_to_first_token' or 'request_latency', got '" +
                              metric + "'");
  }
  slo.percentile = config.get<double>("percentile", 90.0);
  if (!(slo.percentile > 0 && slo.percentile <= 100)) {
    throw aiperf::ConfigError("slo.percentile must be in (0, 100], got " + json.at("percentile").dump());
  }
  if (!config.has("threshold_ms")) throw aiperf::ConfigError("missing required key 'slo.threshold_ms'");
  slo.threshold_ms = config.require<double>("threshold_ms");
  if (!(slo.threshold_ms > 0) || !std::isfinite(slo.threshold_ms)) {
    throw aiperf::ConfigError("slo.threshold_ms must be a positive number, got " + json.at("threshold_ms").dump());
  }
  return slo;
}

std::string Slo::metric_name() const {
  return metric == SloMetric::kTimeToFirstToken ? "time_to_first_token" : "request_latency";
}

double percentile(std::vector<double>& values, double pct) {
  std::sort(values.begin(), values.end());
  double rank = pct / 100.0 * static_cast<double>(values.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(rank));
  auto hi = std::min(lo + 1, values.size() - 1);
  double fraction = rank - static_cast<double>(lo);
  if (fraction == 0 || values[lo] == values[hi]) return values[lo];
  if (std::isinf(values[hi])) return values[hi];
  return values[lo] + (values[hi] - values[lo]) * fraction;
}

}  // namespace aiperf_plugins::adaptive_rate
