#include "dataset/samplers.h"

#include <algorithm>
#include <numeric>

namespace aiperf::dataset {

SequentialSampler::SequentialSampler(const PluginConfig& config) { config.allow_only({}); }

void SequentialSampler::bind(const DatasetInfo& dataset) {
  size_ = std::max<std::size_t>(dataset.size, 1);
  next_ = 0;
}

std::size_t SequentialSampler::next_index() {
  std::size_t index = next_;
  next_ = (next_ + 1) % size_;
  return index;
}

RandomSampler::RandomSampler(const PluginConfig& config) { config.allow_only({}); }

void RandomSampler::bind(const DatasetInfo& dataset) {
  rng_.seed(dataset.seed);
  pick_ = std::uniform_int_distribution<std::size_t>(0, std::max<std::size_t>(dataset.size, 1) - 1);
}

std::size_t RandomSampler::next_index() { return pick_(rng_); }

ShuffleSampler::ShuffleSampler(const PluginConfig& config) { config.allow_only({}); }

void ShuffleSampler::bind(const DatasetInfo& dataset) {
  rng_.seed(dataset.seed);
  order_.resize(std::max<std::size_t>(dataset.size, 1));
  std::iota(order_.begin(), order_.end(), 0);
  position_ = order_.size();  // shuffle on first use
}

std::size_t ShuffleSampler::next_index() {
  if (position_ == order_.size()) {
    std::shuffle(order_.begin(), order_.end(), rng_);
    position_ = 0;
  }
  return order_[position_++];
}

}  // namespace aiperf::dataset
