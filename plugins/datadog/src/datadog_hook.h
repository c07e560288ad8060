// phase_hook:datadog — sends each phase's metrics as DogStatsD gauges over UDP
// and, with an api_key, to the Datadog HTTP API v1 series endpoint.
#pragma once

#include <aiperf/sdk/plugin.h>

#include <optional>
#include <string>
#include <vector>

#include "dogstatsd.h"
#include "series_api.h"

namespace aiperf_datadog {

/// The validated config. Keys: statsd_host, statsd_port, statsd, tags, prefix, api_key, site,
/// timeout_seconds.
struct DatadogConfig {
  std::string statsd_host = "127.0.0.1";  ///< DogStatsD agent host.
  int statsd_port = 8125;                 ///< DogStatsD agent UDP port.
  bool statsd = true;                     ///< Send over DogStatsD at all.
  std::vector<std::string> tags;          ///< Extra "key:value" tags on every metric.
  std::string prefix = "aiperf";          ///< First part of every metric name.
  std::optional<SeriesApi> api;           ///< Set when api_key is given.
};

/// Reads and validates the config; throws aiperf::ConfigError naming the key (never the api_key value).
DatadogConfig parse_config(const aiperf::PluginConfig& config);

/// Sends phase.running at phase start and the phase's full metrics at phase end.
class DatadogPhaseHook final : public aiperf::PhaseHook {
 public:
  /// Validates `config` and resolves the DogStatsD host; sends nothing yet.
  explicit DatadogPhaseHook(const aiperf::PluginConfig& config);

  /// Registers the phase-start and phase-complete callbacks under the owner name "datadog".
  void register_with(aiperf::PhaseHookRegistrar& registrar) override;

  /// Sends the start gauges; throws std::runtime_error if the HTTP API (or a socket) fails.
  void on_phase_start(const aiperf::PhaseStats& stats) const;
  /// Sends the phase's metrics; throws std::runtime_error if the HTTP API (or a socket) fails.
  void on_phase_complete(const aiperf::PhaseStats& stats) const;

  /// The validated config.
  const DatadogConfig& config() const { return config_; }

 private:
  void send(const std::vector<Gauge>& gauges, const std::string& phase, int64_t timestamp_ns) const;

  DatadogConfig config_;
  std::optional<StatsdClient> statsd_;
};

}  // namespace aiperf_datadog
