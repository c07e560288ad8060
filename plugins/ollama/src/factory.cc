// The exported factory of endpoint:ollama (named by the manifest).
#include <aiperf/sdk/plugin.h>

#include "ollama_endpoint.h"

AIPERF_PLUGIN_FACTORY(aiperf_ollama_endpoint, aiperf::Endpoint, aiperf_plugins::ollama::OllamaEndpoint)
