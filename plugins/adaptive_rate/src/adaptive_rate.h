// timing_strategy:adaptive_rate — "find the max load under an SLA".
//
// Time is cut into fixed intervals of `interval_seconds` from the phase start.
// Interval k sends at a constant rate r_k on absolute times (send i at
// start_k + i / r_k, so nothing drifts). When interval k is over, the SLO
// percentile is computed over the requests that *completed* in it (a failed
// request counts as +infinity); if it holds the next rate is r_k * scale_factor,
// otherwise the rate backs off toward the highest rate that held.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <aiperf/sdk/config.h>
#include <aiperf/sdk/timing_strategy.h>

#include "slo.h"

namespace aiperf_plugins::adaptive_rate {

/// The validated configuration of the strategy.
struct Settings {
  double initial_rate = 0;                 ///< req/s of the first interval (> 0).
  double scale_factor = 1.5;               ///< Rate multiplier after an interval that held (> 1).
  double interval_seconds = 5;             ///< Length of one interval (> 0).
  Slo slo;                                 ///< What must hold.
  double backoff_factor = 0.5;             ///< Fraction of the way back toward the last good rate (0..1).
  std::optional<double> max_rate;          ///< Never exceed this rate.
  std::optional<uint64_t> max_intervals;   ///< Stop after this many intervals.

  /// Reads and validates the plugin config; aiperf::ConfigError names the bad key.
  static Settings from_config(const aiperf::PluginConfig& config);
};

/// The outcome of one interval.
struct IntervalResult {
  double rate = 0;             ///< Rate the interval sent at, req/s.
  std::size_t samples = 0;     ///< Requests that completed in it (failed ones included).
  double observed_ms = 0;      ///< The SLO percentile (infinite if a failure decided it); 0 without samples.
  bool held = false;           ///< The SLO held (false without samples).
};

/// The timing strategy; one instance per phase.
class AdaptiveRateStrategy final : public aiperf::TimingStrategy {
 public:
  /// Builds it from the plugin config; throws aiperf::ConfigError on a bad one.
  explicit AdaptiveRateStrategy(const aiperf::PluginConfig& config);

  /// The next send time on the current interval's grid, or Stop after max_intervals.
  aiperf::Credit next_credit(const aiperf::CreditState& state) override;
  /// Files the outcome under the interval its request completed in.
  void on_credit_returned(const aiperf::CreditReturn& outcome) override;
  /// "highest rate that held: R req/s (...)" plus every interval's rate and verdict.
  std::string summary() const override;

  /// Every interval that has begun, evaluated with what has completed so far.
  std::vector<IntervalResult> intervals() const;
  /// The highest rate whose interval held, if any.
  std::optional<double> highest_held_rate() const;
  /// The rate of the current interval, req/s.
  double current_rate() const { return rate_; }
  /// The validated settings.
  const Settings& settings() const { return settings_; }

 private:
  // One completed request's metric value and the interval it was scheduled in.
  struct Sample {
    uint64_t sent_in = 0;
    double value = 0;
  };
  int64_t interval_start(uint64_t k) const;
  uint64_t interval_of(int64_t phase_ns) const;
  IntervalResult evaluate(uint64_t k, bool last) const;
  // The rate after `result` given the earlier intervals, and the updated ceiling.
  std::pair<double, std::optional<double>> decide(const IntervalResult& result,
                                                  const std::vector<IntervalResult>& earlier,
                                                  std::optional<double> ceiling) const;

  Settings settings_;
  int64_t interval_ns_ = 0;
  double rate_ = 0;
  uint64_t interval_ = 0;      // current interval index
  uint64_t next_send_ = 0;     // index of the next send within the current interval
  bool awaiting_evaluation_ = false;  // the previous interval is over but not yet evaluated
  bool stopped_ = false;
  std::optional<double> ceiling_;     // lowest rate that broke the SLO
  std::vector<IntervalResult> evaluated_;             // intervals 0 .. interval_-1 once evaluated
  std::map<uint64_t, std::vector<Sample>> samples_;   // completion interval -> samples (ms)
};

}  // namespace aiperf_plugins::adaptive_rate
