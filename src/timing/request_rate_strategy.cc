#include "timing/request_rate_strategy.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace aiperf::timing {

RequestRateStrategy::RequestRateStrategy(const PluginConfig& config) {
  config.allow_only({"request_rate", "arrival_pattern", "arrival_smoothness", "max_concurrency", "seed", "ramp_duration_s"});
  rate_ = config.require<double>("request_rate");
  if (!(rate_ > 0) || !std::isfinite(rate_)) {
    throw ConfigError("key 'request_rate' must be a positive number, got " + std::to_string(rate_));
  }
  auto pattern = config.get<std::string>("arrival_pattern", "poisson");
  if (pattern == "constant") pattern_ = ArrivalPattern::kConstant;
  else if (pattern == "poisson") pattern_ = ArrivalPattern::kPoisson;
  else if (pattern == "gamma") pattern_ = ArrivalPattern::kGamma;
  else throw ConfigError("key 'arrival_pattern' must be constant, poisson or gamma, got '" + pattern + "'");
  smoothness_ = config.get<double>("arrival_smoothness", 1.0);
  if (!(smoothness_ > 0)) throw ConfigError("key 'arrival_smoothness' must be positive");
  if (config.has("max_concurrency")) {
    auto n = config.require<int64_t>("max_concurrency");
    if (n < 1) throw ConfigError("key 'max_concurrency' must be at least 1");
    max_concurrency_ = static_cast<uint64_t>(n);
  }
  rng_.seed(config.get<uint64_t>("seed", 0));
  auto ramp_s = config.get<double>("ramp_duration_s", 0);
  if (!(ramp_s >= 0) || !std::isfinite(ramp_s)) throw ConfigError("key 'ramp_duration_s' must be at least 0");
  ramp_ns_ = ramp_s * 1e9;
  if (ramp_s > 0) start_fraction_ = std::min(1.0, 0.1 / ramp_s);
}

double RequestRateStrategy::rate_at(int64_t t_ns) const {
  const double t = static_cast<double>(t_ns);
  if (t >= ramp_ns_) return rate_;
  return rate_ * (start_fraction_ + (1 - start_fraction_) * std::max(0.0, t) / ramp_ns_);
}

// Maps a send time of the steady schedule (rate R) to the ramped one: the ramp's cumulative count
// R * (f t + (1 - f) t^2 / 2S) equals R * steady at the returned t (solved in its stable form).
double RequestRateStrategy::ramped_ns(double steady_ns) const {
  if (ramp_ns_ <= 0) return steady_ns;
  const double f = start_fraction_;
  const double steady_at_ramp_end = ramp_ns_ * (1 + f) / 2;
  if (steady_ns >= steady_at_ramp_end) return ramp_ns_ + (steady_ns - steady_at_ramp_end);
  const double a = (1 - f) / (2 * ramp_ns_);
  return 2 * steady_ns / (f + std::sqrt(f * f + 4 * a * steady_ns));
}

int64_t RequestRateStrategy::draw_gap_ns() {
  double mean_ns = 1e9 / rate_;
  switch (pattern_) {
    case ArrivalPattern::kConstant: return static_cast<int64_t>(mean_ns);
    case ArrivalPattern::kPoisson: return static_cast<int64_t>(std::exponential_distribution<double>(1.0 / mean_ns)(rng_));
    case ArrivalPattern::kGamma:
      // Shape k, scale mean/k: mean 1/rate, coefficient of variation 1/sqrt(k).
      return static_cast<int64_t>(std::gamma_distribution<double>(smoothness_, mean_ns / smoothness_)(rng_));
  }
  return static_cast<int64_t>(mean_ns);
}

Credit RequestRateStrategy::next_credit(const CreditState& state) {
  if (max_concurrency_ && state.in_flight >= *max_concurrency_) return {Credit::Kind::kWaitForReturn, 0, {}};
  // The first request goes at phase start; each later one a drawn gap after the previous slot.
  int64_t at = static_cast<int64_t>(ramped_ns(next_send_ns_));
  next_send_ns_ += pattern_ == ArrivalPattern::kConstant ? 1e9 / rate_ : static_cast<double>(draw_gap_ns());
  return {Credit::Kind::kSendAt, at, {}};
}

FixedScheduleStrategy::FixedScheduleStrategy(const PluginConfig& config) {
  config.allow_only({"schedule_ms", "start_offset_ms", "end_offset_ms"});
  auto times = config.require<std::vector<double>>("schedule_ms");
  auto start = config.get<double>("start_offset_ms", 0);
  auto end = config.get<double>("end_offset_ms", std::numeric_limits<double>::infinity());
  if (end < start) throw ConfigError("key 'end_offset_ms' is before 'start_offset_ms'");
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (times[i] < start || times[i] > end) continue;
    schedule_.emplace_back(static_cast<int64_t>(std::llround((times[i] - start) * 1e6)), i);
  }
  std::stable_sort(schedule_.begin(), schedule_.end());
  if (schedule_.empty()) throw ConfigError("no trace entry falls between the start and end offsets");
}

Credit FixedScheduleStrategy::next_credit(const CreditState&) {
  if (next_ >= schedule_.size()) return {Credit::Kind::kStop, 0, {}};
  auto [at, index] = schedule_[next_++];
  return {Credit::Kind::kSendAt, at, index};
}

}  // namespace aiperf::timing
