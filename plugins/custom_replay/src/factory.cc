// The exported factory of timing_strategy:custom_replay (named by the manifest).
#include <aiperf/sdk/plugin.h>

#include "custom_replay.h"

AIPERF_PLUGIN_FACTORY(aiperf_custom_replay_timing_strategy, aiperf::TimingStrategy,
                      aiperf_plugins::custom_replay::CustomReplayStrategy)
