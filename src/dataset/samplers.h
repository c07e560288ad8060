// Built-in dataset samplers (protocol `dataset_sampler`).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "aiperf/sdk/config.h"
#include "aiperf/sdk/dataset_sampler.h"

namespace aiperf::dataset {

/// `sequential`: 0, 1, 2, ... wrapping around.
class SequentialSampler final : public DatasetSampler {
 public:
  explicit SequentialSampler(const PluginConfig& config);
  void bind(const DatasetInfo& dataset) override;
  std::size_t next_index() override;

 private:
  std::size_t size_ = 1;
  std::size_t next_ = 0;
};

/// `random`: uniform with replacement, seeded by the run's seed.
class RandomSampler final : public DatasetSampler {
 public:
  explicit RandomSampler(const PluginConfig& config);
  void bind(const DatasetInfo& dataset) override;
  std::size_t next_index() override;

 private:
  std::mt19937_64 rng_;
  std::uniform_int_distribution<std::size_t> pick_;
};

/// `shuffle`: every entry once per pass, in a new seeded order each pass.
class ShuffleSampler final : public DatasetSampler {
 public:
  explicit ShuffleSampler(const PluginConfig& config);
  void bind(const DatasetInfo& dataset) override;
  std::size_t next_index() override;

 private:
  std::mt19937_64 rng_;
  std::vector<std::size_t> order_;
  std::size_t position_ = 0;
};

}  // namespace aiperf::dataset
