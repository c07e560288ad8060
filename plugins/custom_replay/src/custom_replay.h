// timing_strategy:custom_replay — sends one request per record of an earlier
// run's profile_export.jsonl, at the record's send time relative to the first
// (multiplied by `time_scale`), then stops.
#pragma once

#include <string>

#include <aiperf/sdk/config.h>
#include <aiperf/sdk/timing_strategy.h>

#include "schedule.h"

namespace aiperf_plugins::custom_replay {

/// The timing strategy; the file is read once, when it is constructed.
class CustomReplayStrategy final : public aiperf::TimingStrategy {
 public:
  /// Reads `path`; throws aiperf::ConfigError on a bad config or file.
  explicit CustomReplayStrategy(const aiperf::PluginConfig& config);

  /// SendAt the next recorded time (scaled), then Stop.
  aiperf::Credit next_credit(const aiperf::CreditState& state) override;
  /// "replayed N of M recorded requests ...".
  std::string summary() const override;

  /// The loaded schedule (unscaled).
  const Schedule& schedule() const { return schedule_; }
  /// The configured time scale.
  double time_scale() const { return time_scale_; }

 private:
  std::string path_;
  double time_scale_ = 1.0;
  Schedule schedule_;
  std::size_t next_ = 0;
};

}  // namespace aiperf_plugins::custom_replay
