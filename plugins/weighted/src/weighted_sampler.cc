#include "weighted_sampler.h"

namespace aiperf_plugins::weighted {

WeightedSampler::WeightedSampler(const aiperf::PluginConfig& config)
    : settings_(WeightSettings::from_config(config)) {}

void WeightedSampler::bind(const aiperf::DatasetInfo& dataset) {
  std::vector<double> weights = entry_weights(dataset, settings_);
  double sum = 0;
  for (double w : weights) sum += w;
  probabilities_.clear();
  for (double w : weights) probabilities_.push_back(w / sum);
  table_ = AliasTable(weights);
  rng_.seed(dataset.seed);
}

std::size_t WeightedSampler::next_index() {
  return table_.size() == 0 ? 0 : table_.sample(rng_);
}

}  // namespace aiperf_plugins::weighted
