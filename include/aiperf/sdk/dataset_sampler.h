// Protocol `dataset_sampler`: chooses which dataset entry the next request uses.
// Built-ins: `sequential`, `random`, `shuffle`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aiperf {

/// What a sampler may know about the dataset without reading prompts.
struct DatasetInfo {
  std::size_t size = 0;         ///< Number of entries; at least 1.
  std::vector<double> weights;  ///< Per-entry weight when the dataset has one, else empty.
  std::vector<std::string> sources;  ///< Per-entry source file name when loaded from files, else empty.
  uint64_t seed = 0;            ///< The run's random seed, for reproducible sampling.
};

/// Picks dataset entries, one call per request.
class DatasetSampler {
 public:
  virtual ~DatasetSampler() = default;
  /// Called once before sampling starts (and again if the dataset changes).
  virtual void bind(const DatasetInfo& dataset) = 0;
  /// Index in [0, dataset.size) of the entry for the next request.
  virtual std::size_t next_index() = 0;
};

}  // namespace aiperf
