#include "custom_replay.h"

#include <cmath>
#include <cstdio>

namespace aiperf_plugins::custom_replay {
namespace {

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

}  // namespace

CustomReplayStrategy::CustomReplayStrategy(const aiperf::PluginConfig& config) {
  config.allow_only({"path", "time_scale", "skip_failed"});
  path_ = config.require<std::string>("path");
  if (path_.empty()) throw aiperf::ConfigError("key 'path' is empty");
  time_scale_ = config.get<double>("time_scale", 1.0);
  if (!(time_scale_ > 0) || !std::isfinite(time_scale_)) {
    throw aiperf::ConfigError("key 'time_scale' must be a positive number (0.5 = twice as fast), got " +
                              config.json().at("time_scale").dump());
  }
  schedule_ = load_schedule(path_, config.get<bool>("skip_failed", false));
}

aiperf::Credit CustomReplayStrategy::next_credit(const aiperf::CreditState& /*state*/) {
  using Kind = aiperf::Credit::Kind;
  if (next_ >= schedule_.offsets_ns.size()) return {Kind::kStop, 0, {}};
  double scaled = static_cast<double>(schedule_.offsets_ns[next_++]) * time_scale_;
  return {Kind::kSendAt, std::llround(scaled), {}};
}

std::string CustomReplayStrategy::summary() const {
  const auto& offsets = schedule_.offsets_ns;
  double recorded_s = static_cast<double>(offsets.back()) / 1e9;
  std::string line = "replayed " + std::to_string(next_) + " of " + std::to_string(offsets.size()) +
                     " requests from " + path_ + " (recorded over " + format("%.3f", recorded_s) +
                     " s, time_scale " + format("%g", time_scale_) + ")";
  if (schedule_.skipped_failed > 0) {
    line += "; " + std::to_string(schedule_.skipped_failed) + " failed records skipped";
  }
  return line;
}

}  // namespace aiperf_plugins::custom_replay
