// The exported factory named in the manifest (SYMBOL in CMakeLists.txt).
#include <aiperf/sdk/plugin.h>

#include "prometheus_hook.h"

AIPERF_PLUGIN_FACTORY(aiperf_prometheus_phase_hook, aiperf::PhaseHook,
                      aiperf_prometheus::PrometheusPhaseHook)
