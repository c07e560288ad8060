// The exported factory of timing_strategy:adaptive_rate (named by the manifest).
#include <aiperf/sdk/plugin.h>

#include "adaptive_rate.h"

AIPERF_PLUGIN_FACTORY(aiperf_adaptive_rate_timing_strategy, aiperf::TimingStrategy,
                      aiperf_plugins::adaptive_rate::AdaptiveRateStrategy)
