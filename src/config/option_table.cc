#include "config/option_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "config/internal/list_codecs.h"

namespace aiperf::config {
namespace internal {

bool is_secret_header(std::string_view name) {
  std::string n(name);
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return n == "authorization" || n == "proxy-authorization" || n == "cookie" ||
         n.find("api-key") != std::string::npos || n.find("token") != std::string::npos;
}

}  // namespace internal

namespace {

using internal::Codec;
using internal::Element;
using internal::ListCodec;
using nlohmann::json;

// A field holding one value: a flag sets it; a config value sets it.
template <class T>
OptionBinding value(T ProfileOptions::*field) {
  OptionBinding b;
  b.type = Codec<T>::type;
  b.takes_value = !std::is_same_v<T, bool>;
  b.from_text = [field](ProfileOptions& o, std::string_view text) -> Expected<void> {
    auto v = Codec<T>::parse(text);
    if (!v) return fail(v.error());
    o.*field = std::move(*v);
    return {};
  };
  b.from_json = [field](ProfileOptions& o, const json& j) -> Expected<void> {
    auto v = Codec<T>::from_json(j);
    if (!v) return fail(v.error());
    o.*field = std::move(*v);
    return {};
  };
  b.to_json = [field](const ProfileOptions& o) { return Codec<T>::to_json(o.*field); };
  return b;
}

// A list field: each flag use appends one element; a config value replaces the list.
template <class T>
OptionBinding list(std::vector<T> ProfileOptions::*field) {
  OptionBinding b;
  b.type = ListCodec<T>::type;
  b.repeatable = true;
  b.from_text = [field](ProfileOptions& o, std::string_view text) -> Expected<void> {
    auto v = Element<T>::parse(text);
    if (!v) return fail(v.error());
    (o.*field).push_back(std::move(*v));
    return {};
  };
  b.from_json = [field](ProfileOptions& o, const json& j) -> Expected<void> {
    auto v = ListCodec<T>::from_json(j);
    if (!v) return fail(v.error());
    o.*field = std::move(*v);
    return {};
  };
  b.to_json = [field](const ProfileOptions& o) { return ListCodec<T>::to_json(o.*field); };
  return b;
}

using O = ProfileOptions;

// -u/--url: repeatable (AIPerf's multi-URL load balancing). The first is `url`, all are `urls`;
// flags replace the config file's URLs. In a config file: a string or a list of strings.
OptionBinding url_list() {
  OptionBinding b;
  b.type = "string, or list of strings";
  b.repeatable = true;
  b.from_text = [](O& o, std::string_view text) -> Expected<void> {
    if (!o.url_from_flag) o.urls.clear();
    o.url_from_flag = true;
    o.urls.emplace_back(text);
    o.url = o.urls.front();
    return {};
  };
  b.from_json = [](O& o, const json& j) -> Expected<void> {
    std::vector<std::string> urls;
    if (j.is_string()) urls.push_back(j.get<std::string>());
    for (const auto& item : j.is_array() ? j : json::array()) {
      if (!item.is_string()) return fail(ErrorCode::kInvalidArgument, "must be a string or a list of strings");
      urls.push_back(item.get<std::string>());
    }
    if (urls.empty()) return fail(ErrorCode::kInvalidArgument, "must be a string or a non-empty list of strings");
    o.urls = std::move(urls);
    o.url = o.urls.front();
    return {};
  };
  b.to_json = [](const O& o) { return o.urls.size() > 1 ? json(o.urls) : json(o.url); };
  return b;
}

OptionSpec opt(std::string_view flags, std::string_view key, std::string_view group, std::string_view help,
               OptionBinding binding) {
  return OptionSpec{flags, key, group, help, std::move(binding)};
}
OptionSpec secret(OptionSpec s) { return s.secret = true, s; }
OptionSpec path(OptionSpec s) { return s.relative_path = true, s; }
OptionSpec plugins(OptionSpec s) { return s.plugin_section = true, s; }
// A bool that takes an explicit value (--ssl-verify false), for one whose default is true.
OptionSpec with_value(OptionSpec s) { return s.binding.takes_value = true, s; }

// What is sent, to which server.
std::vector<OptionSpec> endpoint_options() {
  return {
      opt("-m,--model", "endpoint.model", "Endpoint", "Model name sent in requests (required here or in --config)", value(&O::model)),
      opt("-u,--url", "endpoint.url", "Endpoint", "Server URL (http[s]://host:port[/base]); repeat it to spread requests over several servers (--url-strategy)", url_list()),
      opt("--url-strategy", "endpoint.url_strategy", "Endpoint", "With several --url: round_robin (in send order) or random (seeded by --random-seed)", value(&O::url_strategy)),
      opt("--endpoint-type", "endpoint.type", "Endpoint", "chat, completions, embeddings, or a plugin's endpoint", value(&O::endpoint_type)),
      opt("--endpoint", "endpoint.custom_endpoint", "Endpoint", "Custom API path, e.g. /v1/my/chat", value(&O::custom_endpoint)),
      plugins(opt("--endpoint-config", "plugins.endpoint.config", "Endpoint", "JSON object passed to the endpoint", value(&O::endpoint_config))),
      opt("--streaming", "endpoint.streaming", "Endpoint", "Stream responses (needed for TTFT and ITL)", value(&O::streaming)),
      opt("--request-timeout-seconds", "endpoint.timeout_seconds", "Endpoint", "Per-request timeout", value(&O::request_timeout_seconds)),
      secret(opt("--api-key", "endpoint.api_key", "Endpoint", "Sent as Authorization: Bearer KEY; never logged or exported. The flag is visible to other users (ps): prefer AIPERF_API_KEY or OPENAI_API_KEY", value(&O::api_key))),
      opt("-H,--header", "endpoint.headers", "Endpoint", "Extra header Name:Value (repeatable)", list(&O::headers)),
      opt("--use-server-token-count", "endpoint.use_server_token_count", "Endpoint", "Output and input token counts from the server's usage when it reports them (default, as AIPerf: counted by the run's tokenizer; without one, usage, else estimates)", value(&O::use_server_token_count)),
      opt("--extra-inputs", "endpoint.extra_inputs", "Endpoint", "Extra body field key:value (repeatable; JSON values allowed)", list(&O::extra_inputs)),
  };
}

// TLS, connections, cancellation, response bounds and the clock.
std::vector<OptionSpec> connection_options() {
  return {
      opt("--rankings-passages-mean", "endpoint.rankings_passages_mean", "Endpoint", "Passages per request of the rankings endpoint (default 10)", value(&O::rankings_passages_mean)),
      opt("--rankings-passages-stddev", "endpoint.rankings_passages_stddev", "Endpoint", "Standard deviation of the passages per rankings request (default 0)", value(&O::rankings_passages_stddev)),
      path(opt("--ssl-ca-file", "endpoint.ssl_ca_file", "Endpoint", "PEM file of CAs to trust for https:// (default: the system store)", value(&O::ssl_ca_file))),
      with_value(opt("--ssl-verify", "endpoint.ssl_verify", "Endpoint", "Verify the server's certificate and host name (false: accept any, loudly warned)", value(&O::ssl_verify))),
      path(opt("--ssl-client-cert", "endpoint.ssl_client_cert", "Endpoint", "PEM client certificate for mutual TLS", value(&O::ssl_client_cert))),
      path(opt("--ssl-client-key", "endpoint.ssl_client_key", "Endpoint", "PEM private key of --ssl-client-cert (default: in the certificate's file)", value(&O::ssl_client_key))),
      opt("--connection-reuse-strategy", "endpoint.connection_reuse_strategy", "Endpoint", "pooled (keep-alive, shared), never (a new connection per request) or sticky-user-sessions (one connection per conversation)", value(&O::connection_reuse_strategy)),
      opt("--source-address", "endpoint.source_address", "Endpoint", "Local addresses to bind connections to, round-robin: ADDR[,ADDR...] or a range 127.0.0.2-127.0.0.40 (more than one address's ephemeral ports)", value(&O::source_address)),
      opt("--request-cancellation-rate", "endpoint.request_cancellation_rate", "Endpoint", "Percent of requests cancelled (connection closed) --request-cancellation-delay after sending; counted apart, not in latency metrics", value(&O::request_cancellation_rate)),
      opt("--request-cancellation-delay", "endpoint.request_cancellation_delay", "Endpoint", "Seconds after sending that a request chosen by --request-cancellation-rate is cancelled", value(&O::request_cancellation_delay)),
      opt("--max-response-bytes", "endpoint.max_response_bytes", "Endpoint", "Most bytes one response may carry (streams included); beyond it the request fails and its connection is closed", value(&O::max_response_bytes)),
      opt("--timestamp-source", "endpoint.timestamp_source", "Endpoint", "Clock of response chunks: kernel receive time (default, where supported) or user (when aiperf read them)", value(&O::timestamp_source)),
  };
}

// When requests are sent.
std::vector<OptionSpec> load_options() {
  return {
      opt("--concurrency", "benchmark.concurrency", "Load", "Requests in flight (default 1); with --request-rate, a ceiling", value(&O::concurrency)),
      opt("--request-rate", "benchmark.request_rate", "Load", "Open loop: requests per second", value(&O::request_rate)),
      opt("--arrival-pattern", "benchmark.arrival_pattern", "Load", "constant, poisson or gamma", value(&O::arrival_pattern)),
      opt("--arrival-smoothness", "benchmark.arrival_smoothness", "Load", "Gamma shape (1 = Poisson)", value(&O::arrival_smoothness)),
      opt("--concurrency-ramp-duration", "benchmark.concurrency_ramp_duration", "Load", "Seconds over which the concurrency limit rises from 1 to --concurrency at the start of profiling (requests sent meanwhile are marked in_ramp)", value(&O::concurrency_ramp_duration)),
      opt("--request-rate-ramp-duration", "benchmark.request_rate_ramp_duration", "Load", "Seconds over which the rate rises linearly from rate*0.1/S to --request-rate at the start of profiling (requests sent meanwhile are marked in_ramp)", value(&O::request_rate_ramp_duration)),
      opt("--user-centric-rate", "benchmark.user_centric_rate", "Load", "User-centric mode (AIPerf's): turns per second across all --num-users users; each user sends its next turn U/R s after its previous one (or when its response ends, if later)", value(&O::user_centric_rate)),
      opt("--workers,--workers-max", "benchmark.workers", "Load", "Event loops (threads) sending requests, each with its own connections and its share of the schedule; 0 = one per core (fewer when the run cannot be split that far: a concurrency or request count below it, or a strategy that cannot be split)", value(&O::workers)),
      opt("--num-users", "benchmark.num_users", "Load", "User-centric mode: simulated users, started 1/R s apart", value(&O::num_users)),
      opt("--fixed-schedule", "benchmark.fixed_schedule", "Load", "Send at the input file's timestamps (automatic for traces)", value(&O::fixed_schedule)),
      opt("--fixed-schedule-start-offset", "benchmark.fixed_schedule_start_offset", "Load", "Trace start, ms", value(&O::fixed_schedule_start_offset_ms)),
      opt("--fixed-schedule-end-offset", "benchmark.fixed_schedule_end_offset", "Load", "Trace end, ms", value(&O::fixed_schedule_end_offset_ms)),
      plugins(opt("--timing-strategy", "plugins.timing_strategy.name", "Load", "A timing_strategy implementation (e.g. a plugin's)", value(&O::timing_strategy))),
      plugins(opt("--timing-config", "plugins.timing_strategy.config", "Load", "JSON object passed to --timing-strategy", value(&O::timing_config))),
  };
}

// How long phases run and what counts as success.
std::vector<OptionSpec> phase_options() {
  return {
      opt("--request-count,--num-requests", "benchmark.request_count", "Phases", "Requests to send", value(&O::request_count)),
      opt("--benchmark-duration", "benchmark.duration", "Phases", "Seconds to send for", value(&O::benchmark_duration)),
      opt("--benchmark-grace-period", "benchmark.grace_period", "Phases", "Seconds to wait for in-flight requests at the end or on Ctrl-C", value(&O::benchmark_grace_period)),
      opt("--warmup-request-count", "benchmark.warmup_request_count", "Phases", "Warmup requests (not in the results)", value(&O::warmup_request_count)),
      opt("--warmup-duration", "benchmark.warmup_duration", "Phases", "Warmup seconds (not in the results)", value(&O::warmup_duration)),
      opt("--warmup-concurrency-ramp-duration", "benchmark.warmup_concurrency_ramp_duration", "Phases", "Seconds over which warmup's concurrency limit rises from 1 to --concurrency (default: --concurrency-ramp-duration; 0 = none)", value(&O::warmup_concurrency_ramp_duration)),
      opt("--warmup-request-rate-ramp-duration", "benchmark.warmup_request_rate_ramp_duration", "Phases", "Seconds over which warmup's rate rises to --request-rate (default: --request-rate-ramp-duration; 0 = none)", value(&O::warmup_request_rate_ramp_duration)),
      opt("--max-error-rate", "benchmark.max_error_rate", "Phases", "Fraction of failed requests tolerated (0 to 1)", value(&O::max_error_rate)),
      opt("--goodput", "benchmark.goodput", "Phases", "SLOs, e.g. \"time_to_first_token:50 inter_token_latency:10\"", value(&O::goodput)),
  };
}

// What the prompts are.
std::vector<OptionSpec> input_options() {
  return {
      path(opt("--input-file", "input.files", "Input", "JSONL prompts or mooncake trace (repeatable)", list(&O::input_files))),
      path(opt("--tokenizer", "input.tokenizer", "Input", "tokenizer.json, a directory holding one, a .tiktoken file, or a model name in the HuggingFace cache (offline); default: --model's if cached, else word-based lengths (estimates)", value(&O::tokenizer))),
      opt("--isl,--synthetic-input-tokens-mean", "input.isl", "Input", "Prompt length in tokens (with a tokenizer; else words, an estimate)", value(&O::isl)),
      opt("--isl-stddev,--synthetic-input-tokens-stddev", "input.isl_stddev", "Input", "Prompt length stddev", value(&O::isl_stddev)),
      opt("--osl,--output-tokens-mean", "input.osl", "Input", "max_tokens requested (also max_completion_tokens on chat; default: unset)", value(&O::osl)),
      opt("--osl-stddev,--output-tokens-stddev", "input.osl_stddev", "Input", "max_tokens stddev", value(&O::osl_stddev)),
      opt("--osl-exact", "input.osl_exact", "Input", "Exactly --osl output tokens: also send min_tokens = max_tokens and ignore_eos (vLLM, SGLang, TRT-LLM; chat and completions endpoints)", value(&O::osl_exact)),
      opt("--random-seed", "input.random_seed", "Input", "Seed for prompts, arrivals and sampling", value(&O::random_seed)),
      opt("--num-dataset-entries", "input.num_dataset_entries", "Input", "Distinct synthetic prompts", value(&O::num_dataset_entries)),
      opt("--dataset-sampling-strategy", "input.sampling_strategy", "Input", "sequential, random, shuffle, or a plugin's", value(&O::sampler)),
      opt("--shared-system-prompt-length", "input.shared_system_prompt_length", "Input", "One system prompt of this many tokens shared by every request (prefix-cache tests)", value(&O::shared_system_prompt_length)),
      opt("--user-context-prompt-length", "input.user_context_prompt_length", "Input", "A distinct context of this many tokens before each conversation's prompt", value(&O::user_context_prompt_length)),
      opt("--num-prefix-prompts", "input.num_prefix_prompts", "Input", "A pool of this many prefixes; each request starts with one, chosen at random", value(&O::num_prefix_prompts)),
      opt("--prefix-prompt-length", "input.prefix_prompt_length", "Input", "Tokens of each --num-prefix-prompts prefix", value(&O::prefix_prompt_length)),
      opt("--block-size,--isl-block-size", "input.block_size", "Input", "Tokens per trace hash_ids block (default 512; bailian_trace: 16)", value(&O::block_size)),
      opt("--seq-dist,--sequence-distribution", "input.seq_dist", "Input", "Mixture of lengths \"ISL,OSL:PCT;...\" (a length may carry a stddev, see docs/workloads.md); metrics per component in the JSON export", value(&O::seq_dist)),
      opt("--custom-dataset-type", "input.custom_dataset_type", "Input", "How --input-file is read: single_turn, multi_turn, random_pool, mooncake_trace or sharegpt (default: by its records)", value(&O::custom_dataset_type)),
      opt("--conversation-num", "input.conversation.num", "Input", "Synthetic multi-turn conversations; each turn sends the history with the replies as received", value(&O::conversation_num)),
      opt("--conversation-turn-mean", "input.conversation.turn.mean", "Input", "Turns per conversation", value(&O::conversation_turn_mean)),
      opt("--conversation-turn-stddev", "input.conversation.turn.stddev", "Input", "Turns per conversation, stddev", value(&O::conversation_turn_stddev)),
      opt("--conversation-turn-delay-mean", "input.conversation.turn.delay.mean", "Input", "Think time between a reply and the next turn, ms", value(&O::conversation_turn_delay_mean)),
      opt("--conversation-turn-delay-stddev", "input.conversation.turn.delay.stddev", "Input", "Think time stddev, ms", value(&O::conversation_turn_delay_stddev)),
      opt("--conversation-turn-delay-ratio", "input.conversation.turn.delay.ratio", "Input", "Scales every think time (also a multi_turn file's delays)", value(&O::conversation_turn_delay_ratio)),
      plugins(opt("--sampler-config", "plugins.dataset_sampler.config", "Input", "JSON object passed to the sampler", value(&O::sampler_config))),
  };
}

// Hooks, collectors, exports and the report.
std::vector<OptionSpec> output_options() {
  return {
      plugins(opt("--phase-hook", "plugins.phase_hooks", "Output", "Phase hook NAME or NAME={json config} (repeatable)", list(&O::phase_hooks))),
      opt("--server-metrics", "output.server_metrics", "Collectors", "Prometheus /metrics URL of the server to scrape during each phase (repeatable; default: --url's /metrics)", list(&O::server_metrics_urls)),
      opt("--no-server-metrics", "output.no_server_metrics", "Collectors", "Do not scrape the server's /metrics", value(&O::no_server_metrics)),
      opt("--server-metrics-filter", "output.server_metrics_filter", "Collectors", "Keep only metric families whose name matches this regular expression", value(&O::server_metrics_filter)),
      opt("--gpu-telemetry", "output.gpu_telemetry", "Collectors", "Read GPU power, energy, utilisation and memory from the DCGM exporter at http://localhost:9400/metrics", value(&O::gpu_telemetry)),
      opt("--gpu-telemetry-url", "output.gpu_telemetry_urls", "Collectors", "DCGM exporter URL (repeatable; implies --gpu-telemetry)", list(&O::gpu_telemetry_urls)),
      plugins(opt("--collector", "plugins.collectors", "Collectors", "Collector NAME or NAME={json config} (repeatable)", list(&O::collectors))),
      opt("--phase-hook-isolation", "output.phase_hook_isolation", "Output", "process: hooks run in a child process, so a crash is contained; none: in aiperf itself", value(&O::phase_hook_isolation)),
      opt("--artifact-dir", "output.artifact_dir", "Output", "Where exports go (default: artifacts/<run name>)", value(&O::artifact_dir)),
      opt("--ui", "output.ui", "Output", "simple (progress) or none", value(&O::ui)),
      opt("--num-profile-runs", "benchmark.num_profile_runs", "Phases", "Repeat the profiling run N times into ARTIFACT_DIR/profile_runs/run_NNNN/ and summarise across runs", value(&O::num_profile_runs)),
      opt("--confidence-level", "benchmark.confidence_level", "Phases", "Level of the across-runs interval of --num-profile-runs", value(&O::confidence_level)),
      opt("--slice-duration", "output.slice_duration", "Output", "Seconds per time slice: every metric per slice in profile_export_aiperf.json/.csv (timeslices) and profile_export_aiperf_timeslices.json/.csv", value(&O::slice_duration)),
      opt("--plot", "output.plot", "Output", "Write the HTML report ARTIFACT_DIR/report.html at the end (as aiperf plot)", value(&O::plot)),
  };
}

// In this order: the order of --help groups' entries and of docs/configuration.md.
std::vector<OptionSpec> make_table() {
  std::vector<OptionSpec> table;
  for (auto part : {endpoint_options, connection_options, load_options, phase_options, input_options, output_options}) {
    for (auto& spec : part()) table.push_back(std::move(spec));
  }
  return table;
}

}  // namespace

std::string_view OptionSpec::long_flag() const {
  auto at = flags.find("--");
  auto end = flags.find(',', at);
  return flags.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
}

std::span<const OptionSpec> option_table() {
  static const std::vector<OptionSpec> table = make_table();
  return table;
}

const OptionSpec* find_option_by_key(std::string_view key) {
  for (const auto& spec : option_table()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

json redact_secret_keys(json value) {
  static constexpr std::array<std::string_view, 7> kWords = {"api_key", "apikey", "api-key", "token",
                                                             "password", "secret", "authorization"};
  if (value.is_object()) {
    for (auto& [key, item] : value.items()) {
      std::string k = key;
      for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      bool secret = std::any_of(kWords.begin(), kWords.end(), [&](auto w) { return k.find(w) != std::string::npos; });
      bool empty = item.is_null() || (item.is_string() && item.get<std::string>().empty());
      item = secret && !empty ? json("<redacted>") : redact_secret_keys(item);
    }
  } else if (value.is_array()) {
    for (auto& item : value) item = redact_secret_keys(item);
  }
  return value;
}

namespace {

// The values that redact_secret_keys would hide, anywhere in `value`.
void collect_secret_values(const json& value, std::vector<std::string>& out) {
  auto redacted = redact_secret_keys(value);
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (redacted[key] == "<redacted>" && item.is_string()) out.push_back(item.get<std::string>());
      else collect_secret_values(item, out);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) collect_secret_values(item, out);
  }
}

}  // namespace

std::vector<std::string> secret_values(const ProfileOptions& o) {
  std::vector<std::string> out;
  if (!o.api_key.empty()) out.push_back(o.api_key);
  for (const auto& h : o.headers) {
    if (!internal::is_secret_header(h.name)) continue;
    out.push_back(h.value);
    if (auto space = h.value.rfind(' '); space != std::string::npos) out.push_back(h.value.substr(space + 1));  // "Bearer KEY"
  }
  for (const auto& spec : option_table()) {
    if (spec.plugin_section) collect_secret_values(spec.binding.to_json(o), out);
  }
  return out;
}

json to_input_config(const ProfileOptions& o) {
  json out = json::object();
  for (const auto& spec : option_table()) {
    json v = spec.binding.to_json(o);
    bool empty = v.is_null() || (v.is_string() && v.get<std::string>().empty());
    if (spec.secret && !empty) v = "<redacted>";
    // Plugin configs are opaque: a key that looks like a credential is redacted.
    if (spec.plugin_section) v = redact_secret_keys(v);
    out[json::json_pointer("/" + [&] {
      std::string p(spec.key);
      std::replace(p.begin(), p.end(), '.', '/');
      return p;
    }())] = v;
  }
  out["plugins"]["paths"] = o.plugin_paths;
  out["config_file"] = o.config_file;
  return out;
}

std::string options_reference_markdown() {
  ProfileOptions defaults;
  std::string out = "| key | flag | type | default | description |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& spec : option_table()) {
    json d = spec.binding.to_json(defaults);
    bool none = d.is_null() || (d.is_string() && d.get<std::string>().empty()) ||
                ((d.is_array() || d.is_object()) && d.empty());
    std::string flags(spec.flags);
    std::replace(flags.begin(), flags.end(), ',', '/');
    out += fmt::format("| `{}` | `{}` | {} | {} | {} |\n", spec.key, flags, spec.binding.type,
                       none ? "—" : "`" + (d.is_string() ? d.get<std::string>() : d.dump()) + "`", spec.help);
  }
  return out;
}

}  // namespace aiperf::config
