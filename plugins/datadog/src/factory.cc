// The exported factory named in the manifest (SYMBOL in CMakeLists.txt).
#include <aiperf/sdk/plugin.h>

#include "datadog_hook.h"

AIPERF_PLUGIN_FACTORY(aiperf_datadog_phase_hook, aiperf::PhaseHook, aiperf_datadog::DatadogPhaseHook)
