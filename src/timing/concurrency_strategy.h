// Built-in timing strategy `concurrency`: closed loop, N requests in flight.
#pragma once

#include <cstdint>

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/timing_strategy.h"

namespace aiperf::timing {

/// Sends whenever fewer than `concurrency` requests are in flight. Config: {concurrency: N >= 1}.
class ConcurrencyStrategy final : public TimingStrategy {
 public:
  explicit ConcurrencyStrategy(const PluginConfig& config);
  Credit next_credit(const CreditState& state) override;

 private:
  uint64_t concurrency_;
};

}  // namespace aiperf::timing
