#include "timing/concurrency_strategy.h"

namespace aiperf::timing {

ConcurrencyStrategy::ConcurrencyStrategy(const PluginConfig& config) {
  config.allow_only({"concurrency"});
  auto n = config.get<int64_t>("concurrency", 1);
  if (n < 1) throw ConfigError("key 'concurrency' must be at least 1, got " + std::to_string(n));
  concurrency_ = static_cast<uint64_t>(n);
}

Credit ConcurrencyStrategy::next_credit(const CreditState& state) {
  if (state.in_flight >= concurrency_) return {Credit::Kind::kWaitForReturn, 0, {}};
  return {Credit::Kind::kSendAt, state.now_ns, {}};
}

}  // namespace aiperf::timing
