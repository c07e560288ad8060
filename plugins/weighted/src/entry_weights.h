// The weight of every dataset entry, from the dataset's `weight` field and the
// optional per-file weights of the sampler's config.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <aiperf/sdk/config.h>
#include <aiperf/sdk/dataset_sampler.h>

namespace aiperf_plugins::weighted {

/// How a file's weight applies to its entries.
enum class FileWeightMode {
  kShare,     ///< "share": the file's weight is its total share, split across its entries.
  kPerEntry,  ///< "per_entry": every entry of the file gets the file's weight.
};

/// The sampler's validated configuration.
struct WeightSettings {
  std::vector<std::pair<std::string, double>> by_file;  ///< weights_by_file, in config order; empty = unused.
  FileWeightMode mode = FileWeightMode::kShare;         ///< file_weight_mode.

  /// Reads and validates the plugin config; aiperf::ConfigError names the bad key.
  static WeightSettings from_config(const aiperf::PluginConfig& config);
};

/// One non-negative weight per entry of `dataset` (not normalised). Throws
/// aiperf::ConfigError when the weights are missing, negative, not finite,
/// all zero, or do not fit the dataset (unknown or unlisted files).
std::vector<double> entry_weights(const aiperf::DatasetInfo& dataset, const WeightSettings& settings);

}  // namespace aiperf_plugins::weighted
