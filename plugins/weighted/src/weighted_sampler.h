// dataset_sampler:weighted — picks entries with probability proportional to
// their weight (the dataset's `weight` field, or per-file weights), with
// replacement, reproducibly from the run's seed.
#pragma once

#include <random>
#include <vector>

#include <aiperf/sdk/config.h>
#include <aiperf/sdk/dataset_sampler.h>

#include "alias_table.h"
#include "entry_weights.h"

namespace aiperf_plugins::weighted {

/// The sampler.
class WeightedSampler final : public aiperf::DatasetSampler {
 public:
  /// Reads `weights_by_file` and `file_weight_mode`; throws aiperf::ConfigError.
  explicit WeightedSampler(const aiperf::PluginConfig& config);

  /// Computes the weights and reseeds; throws aiperf::ConfigError if they are unusable.
  void bind(const aiperf::DatasetInfo& dataset) override;
  /// A weighted draw; 0 before a successful bind().
  std::size_t next_index() override;

  /// Each entry's probability after bind() (sums to 1).
  const std::vector<double>& probabilities() const { return probabilities_; }

 private:
  WeightSettings settings_;
  AliasTable table_;
  std::vector<double> probabilities_;
  std::mt19937_64 rng_;
};

}  // namespace aiperf_plugins::weighted
