// The exported factory of dataset_sampler:weighted (named by the manifest).
#include <aiperf/sdk/plugin.h>

#include "weighted_sampler.h"

AIPERF_PLUGIN_FACTORY(aiperf_weighted_dataset_sampler, aiperf::DatasetSampler,
                      aiperf_plugins::weighted::WeightedSampler)
