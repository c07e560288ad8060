// Built-in timing strategy `concurrency`: closed loop, N requests in flight.
#pragma once

#include <cstdint>

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/timing_strategy.h"

namespace aiperf::timing {

/// Sends whenever fewer than `concurrency` requests are in flight. With `ramp_duration_s` S > 0 the
/// limit rises in steps from 1 to N: limit(t) = 1 + floor((N - 1) * t / S) until t = S.
/// Config: {concurrency: N >= 1, ramp_duration_s: S >= 0}.
class ConcurrencyStrategy final : public TimingStrategy {
 public:
  explicit ConcurrencyStrategy(const PluginConfig& config);
  Credit next_credit(const CreditState& state) override;
  /// The in-flight limit `t_ns` after the phase start.
  uint64_t limit_at(int64_t t_ns) const;

 private:
  uint64_t concurrency_;
  int64_t ramp_ns_ = 0;
};

}  // namespace aiperf::timing
