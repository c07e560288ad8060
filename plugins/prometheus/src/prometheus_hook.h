// phase_hook:prometheus — pushes each phase's metrics to a Prometheus Pushgateway.
#pragma once

#include <aiperf/sdk/plugin.h>

#include "pushgateway.h"

namespace aiperf_prometheus {

/// Reads and validates the hook's config; throws aiperf::ConfigError naming the key.
/// Keys: endpoint (required), job, labels, timeout_seconds.
PushgatewayTarget parse_config(const aiperf::PluginConfig& config);

/// Pushes `aiperf_phase_running 1` at phase start and the phase's full metrics at phase end.
class PrometheusPhaseHook final : public aiperf::PhaseHook {
 public:
  /// Validates `config` (see parse_config); contacts nothing yet.
  explicit PrometheusPhaseHook(const aiperf::PluginConfig& config);

  /// Registers the phase-start and phase-complete callbacks under the owner name "prometheus".
  void register_with(aiperf::PhaseHookRegistrar& registrar) override;

  /// Pushes the running marker; throws std::runtime_error if the Pushgateway fails.
  void on_phase_start(const aiperf::PhaseStats& stats) const;
  /// Pushes the phase's metrics; throws std::runtime_error if the Pushgateway fails.
  void on_phase_complete(const aiperf::PhaseStats& stats) const;

  /// The validated target.
  const PushgatewayTarget& target() const { return target_; }

 private:
  PushgatewayTarget target_;
};

}  // namespace aiperf_prometheus
