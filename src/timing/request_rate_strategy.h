// Built-in timing strategy `request_rate`: open loop at R requests/s.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/timing_strategy.h"

namespace aiperf::timing {

/// How inter-arrival gaps are drawn.
enum class ArrivalPattern { kConstant, kPoisson, kGamma };

/// Sends on absolute times t_i = sum of gaps (no drift), gaps constant, exponential
/// (Poisson arrivals) or gamma(smoothness) with mean 1/rate. An optional
/// concurrency ceiling holds sends back (they go out late; the lag is recorded). With
/// `ramp_duration_s` S > 0 the rate rises linearly from R * 0.1 / S (AIPerf's start) to R over S:
/// gaps are drawn at rate R and the sum is mapped through the ramp's cumulative count.
/// Config: {request_rate: R > 0, arrival_pattern: "constant"|"poisson"|"gamma",
///          arrival_smoothness: k > 0 (gamma shape; 1 = Poisson), max_concurrency: N, seed,
///          ramp_duration_s: S >= 0}.
class RequestRateStrategy final : public TimingStrategy {
 public:
  explicit RequestRateStrategy(const PluginConfig& config);
  Credit next_credit(const CreditState& state) override;
  /// The rate (requests/s) `t_ns` after the phase start.
  double rate_at(int64_t t_ns) const;

 private:
  int64_t draw_gap_ns();
  double ramped_ns(double steady_ns) const;

  double rate_;
  ArrivalPattern pattern_;
  double smoothness_;
  std::optional<uint64_t> max_concurrency_;
  double ramp_ns_ = 0;
  double start_fraction_ = 1;  // the ramp's start rate / R
  std::mt19937_64 rng_;
  double next_send_ns_ = 0;  // double: no rounding drift over millions of sends
};

/// Built-in timing strategy `fixed_schedule`: sends entry i at its trace timestamp.
/// Config: {schedule_ms: [t0, t1, ...] (dataset order), start_offset_ms, end_offset_ms}.
/// Entries before start_offset or after end_offset are skipped; times are relative to start_offset.
class FixedScheduleStrategy final : public TimingStrategy {
 public:
  explicit FixedScheduleStrategy(const PluginConfig& config);
  Credit next_credit(const CreditState& state) override;

 private:
  std::vector<std::pair<int64_t, std::size_t>> schedule_;  // (send ns, dataset index), sorted
  std::size_t next_ = 0;
};

}  // namespace aiperf::timing
