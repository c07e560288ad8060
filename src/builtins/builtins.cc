#include "builtins/builtins.h"

#include "aiperf/sdk/plugin.h"
#include "collectors/gpu_telemetry.h"
#include "collectors/server_metrics.h"
#include "dataset/samplers.h"
#include "endpoints/openai.h"
#include "endpoints/rankings.h"
#include "endpoints/responses.h"
#include "hooks/logging_phase_hook.h"
#include "timing/concurrency_strategy.h"
#include "timing/request_rate_strategy.h"
#include "timing/user_centric_strategy.h"

namespace aiperf::builtins {
namespace {

// A built-in's factory is the same C entry point a plugin exports, so the
// registry has a single create path for both.
template <Protocol P, class Impl>
void add(plugin::PluginRegistry& registry, std::string_view name, std::string description) {
  registry.register_builtin(ProtocolTraits<P>::name, name, &sdk_detail::create<P, Impl>,
                            std::move(description));
}

}  // namespace

void register_builtins(plugin::PluginRegistry& registry) {
  add<PhaseHook, hooks::LoggingPhaseHook>(registry, "logging", "Logs each phase's start and results");

  add<Endpoint, endpoints::ChatEndpoint>(registry, "chat", "OpenAI /v1/chat/completions");
  add<Endpoint, endpoints::CompletionsEndpoint>(registry, "completions", "OpenAI /v1/completions");
  add<Endpoint, endpoints::EmbeddingsEndpoint>(registry, "embeddings", "OpenAI /v1/embeddings");
  add<Endpoint, endpoints::ResponsesEndpoint>(registry, "responses", "OpenAI Responses API /v1/responses");
  add<Endpoint, endpoints::AnthropicMessagesEndpoint>(registry, "anthropic_messages",
                                                      "Anthropic Messages API /v1/messages");
  add<Endpoint, endpoints::RankingsEndpoint>(registry, "rankings", "Rerank: query + passages (Cohere, TEI, NIM)");
  add<Endpoint, endpoints::HuggingFaceGenerateEndpoint>(registry, "huggingface_generate",
                                                        "Hugging Face TGI /generate and /generate_stream");

  add<TimingStrategy, timing::ConcurrencyStrategy>(registry, "concurrency",
                                                   "Closed loop: N requests in flight");
  add<TimingStrategy, timing::RequestRateStrategy>(
      registry, "request_rate", "Open loop at R req/s: constant, Poisson or gamma arrivals");
  add<TimingStrategy, timing::FixedScheduleStrategy>(registry, "fixed_schedule",
                                                     "Replays a trace's timestamps");
  add<TimingStrategy, timing::UserCentricStrategy>(registry, "user_centric",
                                                   "U users, each sending its next turn U/R s after its last");

  add<DatasetSampler, dataset::SequentialSampler>(registry, "sequential", "Entries in order");
  add<DatasetSampler, dataset::RandomSampler>(registry, "random", "Uniform, with replacement");
  add<DatasetSampler, dataset::ShuffleSampler>(registry, "shuffle", "Each entry once per pass");

  add<Collector, collectors::ServerMetricsCollector>(registry, "server_metrics",
                                                     "Scrapes the server's Prometheus /metrics during each phase");
  add<Collector, collectors::GpuTelemetryCollector>(registry, "gpu_telemetry",
                                                    "GPU power, energy, utilisation and memory from DCGM exporters");
}

}  // namespace aiperf::builtins
