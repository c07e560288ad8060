#include "timing/concurrency_strategy.h"

#include <algorithm>
#include <cmath>

namespace aiperf::timing {

ConcurrencyStrategy::ConcurrencyStrategy(const PluginConfig& config) {
  config.allow_only({"concurrency", "ramp_duration_s"});
  auto n = config.get<int64_t>("concurrency", 1);
  if (n < 1) throw ConfigError("key 'concurrency' must be at least 1, got " + std::to_string(n));
  concurrency_ = static_cast<uint64_t>(n);
  auto ramp_s = config.get<double>("ramp_duration_s", 0);
  if (!(ramp_s >= 0) || !std::isfinite(ramp_s)) throw ConfigError("key 'ramp_duration_s' must be at least 0");
  ramp_ns_ = static_cast<int64_t>(ramp_s * 1e9);
}

uint64_t ConcurrencyStrategy::limit_at(int64_t t_ns) const {
  if (t_ns >= ramp_ns_ || concurrency_ == 1) return concurrency_;
  if (t_ns <= 0) return 1;
  const double steps = static_cast<double>(concurrency_ - 1) * static_cast<double>(t_ns) / static_cast<double>(ramp_ns_);
  return 1 + static_cast<uint64_t>(steps);
}

Credit ConcurrencyStrategy::next_credit(const CreditState& state) {
  if (state.in_flight < limit_at(state.now_ns)) return {Credit::Kind::kSendAt, state.now_ns, {}};
  if (state.now_ns >= ramp_ns_ || state.in_flight >= concurrency_) return {Credit::Kind::kWaitForReturn, 0, {}};
  // Ramping and full: the next send is due when the limit passes the in-flight count, unless a
  // return comes first (the runner sends then, the limit still holds at the timer).
  const uint64_t k = state.in_flight;  // limit(t) reaches k + 1 at t = k * S / (N - 1)
  const double at = std::ceil(static_cast<double>(k) * static_cast<double>(ramp_ns_) /
                              static_cast<double>(concurrency_ - 1));
  return {Credit::Kind::kSendAt, std::max(state.now_ns, static_cast<int64_t>(at)), {}};
}

}  // namespace aiperf::timing
