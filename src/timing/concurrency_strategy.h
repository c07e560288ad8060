// Built-in timing strategy `concurrency`: closed loop, N requests in flight.
#pragma once

#include <cstdint>

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/timing_strategy.h"

namespace aiperf::timing {

/// Sends whenever fewer than `concurrency` requests are in flight. With `ramp_duration_s` S > 0 the
/// limit rises in steps from 1 to N: limit(t) = 1 + floor((N - 1) * t / S) until t = S.
/// Config: {concurrency: N >= 1, ramp_duration_s: S >= 0}.
///
/// One part of a split run (`--workers`, MPI ranks) adds `part: {index: p, count: P}`, with
/// `concurrency` still the whole run's N: the slots of the whole ramp are striped over the parts
/// (slot k, opened at ceil(k * S / (N - 1)), belongs to part k mod P), so each part's limit is its
/// count of the open slots and the parts' limits sum to the whole run's at every instant.
class ConcurrencyStrategy final : public TimingStrategy {
 public:
  explicit ConcurrencyStrategy(const PluginConfig& config);
  Credit next_credit(const CreditState& state) override;
  /// The in-flight limit `t_ns` after the phase start.
  uint64_t limit_at(int64_t t_ns) const;

 private:
  /// The whole run's limit at `t_ns` (all parts together).
  uint64_t whole_limit_at(int64_t t_ns) const;
  /// How many of the slots 0 .. n-1 are this part's.
  uint64_t own_of(uint64_t n) const;

  uint64_t concurrency_;  ///< the whole run's N
  int64_t ramp_ns_ = 0;
  uint64_t part_ = 0, parts_ = 1;
};

}  // namespace aiperf::timing
