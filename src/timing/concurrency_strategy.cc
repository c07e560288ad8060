#include "timing/concurrency_strategy.h"

#include <algorithm>
#include <cmath>

namespace aiperf::timing {

ConcurrencyStrategy::ConcurrencyStrategy(const PluginConfig& config) {
  config.allow_only({"concurrency", "ramp_duration_s", "part"});
  auto n = config.get<int64_t>("concurrency", 1);
  if (n < 1) throw ConfigError("key 'concurrency' must be at least 1, got " + std::to_string(n));
  concurrency_ = static_cast<uint64_t>(n);
  auto ramp_s = config.get<double>("ramp_duration_s", 0);
  if (!(ramp_s >= 0) || !std::isfinite(ramp_s)) throw ConfigError("key 'ramp_duration_s' must be at least 0");
  ramp_ns_ = static_cast<int64_t>(ramp_s * 1e9);
  const auto part = config.get<nlohmann::json>("part", nlohmann::json{{"index", 0}, {"count", 1}});
  const auto whole_number = [&](const char* key) {
    return part.is_object() && part.contains(key) && part[key].is_number_integer() ? part[key].get<int64_t>() : -1;
  };
  const int64_t index = whole_number("index"), count = whole_number("count");
  if (count < 1 || index < 0 || index >= count || count > n || part.size() != 2) {
    throw ConfigError("key 'part' must be {index: 0..count-1, count: 1..concurrency}, got " + part.dump());
  }
  part_ = static_cast<uint64_t>(index), parts_ = static_cast<uint64_t>(count);
}

uint64_t ConcurrencyStrategy::whole_limit_at(int64_t t_ns) const {
  if (t_ns >= ramp_ns_ || concurrency_ == 1) return concurrency_;
  if (t_ns <= 0) return 1;
  const double steps = static_cast<double>(concurrency_ - 1) * static_cast<double>(t_ns) / static_cast<double>(ramp_ns_);
  return 1 + static_cast<uint64_t>(steps);
}

uint64_t ConcurrencyStrategy::own_of(uint64_t n) const { return n / parts_ + (part_ < n % parts_ ? 1 : 0); }

uint64_t ConcurrencyStrategy::limit_at(int64_t t_ns) const { return own_of(whole_limit_at(t_ns)); }

Credit ConcurrencyStrategy::next_credit(const CreditState& state) {
  if (state.in_flight < limit_at(state.now_ns)) return {Credit::Kind::kSendAt, state.now_ns, {}};
  if (state.now_ns >= ramp_ns_ || state.in_flight >= own_of(concurrency_)) return {Credit::Kind::kWaitForReturn, 0, {}};
  // Ramping and full: the next send is due when the whole limit opens this part's next slot,
  // unless a return comes first (the runner sends then, the limit still holds at the timer).
  const uint64_t k = state.in_flight * parts_ + part_;  // that slot; the whole limit reaches k + 1 at k * S / (N - 1)
  const double at = std::ceil(static_cast<double>(k) * static_cast<double>(ramp_ns_) /
                              static_cast<double>(concurrency_ - 1));
  return {Credit::Kind::kSendAt, std::max(state.now_ns, static_cast<int64_t>(at)), {}};
}

}  // namespace aiperf::timing
