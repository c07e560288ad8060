// Everything `aiperf profile` can be told, typed. Each field is one entry of the
// option table (config/option_table.cc), which gives its flag, YAML key, help
// and default; values are parsed at the edge, so a field holds only valid forms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "config/option_values.h"

namespace aiperf::config {

/// Bounds on synthetic input (docs/reliability.md): longest prompt, most entries, total size.
inline constexpr uint64_t kMaxPromptLength = 1u << 20;
inline constexpr uint64_t kMaxDatasetEntries = 1'000'000;
inline constexpr uint64_t kMaxDatasetWords = 200'000'000;
/// Bounds on times and rates, so nothing overflows int64 nanoseconds.
inline constexpr double kMaxSeconds = 31'536'000;  // one year
inline constexpr double kMinRequestRate = 1e-6;
inline constexpr double kMaxRequestRate = 1e7;

/// The options of one profile run.
struct ProfileOptions {
  // Endpoint
  std::string model;
  std::string url = "http://localhost:8000";  ///< The first --url.
  std::vector<std::string> urls;             ///< Every --url when given (urls[0] == url); empty = just `url`.
  bool url_from_flag = false;                ///< A --url flag was applied (it replaces the config file's URLs).
  std::string url_strategy = "round_robin";  ///< round_robin or random: which --url each request goes to.
  std::string endpoint_type = "chat";        ///< An `endpoint` implementation (built-in or plugin).
  std::string custom_endpoint;               ///< --endpoint: path overriding the endpoint's default.
  nlohmann::json endpoint_config = nlohmann::json::object();  ///< --endpoint-config.
  bool streaming = false;
  double request_timeout_seconds = 600;
  std::string api_key;
  std::vector<Header> headers;
  std::vector<ExtraInput> extra_inputs;
  std::optional<double> rankings_passages_mean, rankings_passages_stddev;  ///< Passages per rerank request.
  // TLS and the clock (https:// URLs)
  std::string ssl_ca_file;                   ///< PEM CAs; "" = the system store.
  bool ssl_verify = true;                    ///< false accepts any certificate (warned about).
  std::string ssl_client_cert, ssl_client_key;  ///< Mutual TLS.
  TimestampSource timestamp_source = TimestampSource::kKernel;
  // Connections and requests (transport)
  std::string connection_reuse_strategy = "pooled";  ///< pooled, never or sticky-user-sessions.
  std::string source_address;                ///< ADDR[,ADDR...] or A-B: local addresses bound round-robin.
  double request_cancellation_rate = 0;      ///< Percent of requests cancelled (0-100).
  double request_cancellation_delay = 0;     ///< Seconds after sending a chosen request is cancelled.
  uint64_t max_response_bytes = uint64_t{1} << 30;  ///< Bound on one response's bytes.
  // Load
  std::optional<uint64_t> concurrency;       ///< Concurrency mode: in flight; rate mode: ceiling.
  std::optional<double> request_rate;
  ArrivalPattern arrival_pattern = ArrivalPattern::kPoisson;
  double arrival_smoothness = 1.0;
  double concurrency_ramp_duration = 0;      ///< Seconds the concurrency limit takes to rise from 1 (0 = no ramp).
  double request_rate_ramp_duration = 0;     ///< Seconds the request rate takes to rise to its target (0 = no ramp).
  std::optional<double> user_centric_rate;   ///< User-centric mode: turns/s across all --num-users users.
  uint64_t num_users = 0;                    ///< User-centric mode: simulated users, each sending every U/R s.
  bool fixed_schedule = false;               ///< Also implied by an input file with timestamps.
  std::optional<double> fixed_schedule_start_offset_ms, fixed_schedule_end_offset_ms;
  /// Event loops sending requests, each on its own thread with its own connections (0 = one per core,
  /// fewer when the run cannot be split that far; docs/scaling.md).
  uint64_t workers = 0;
  std::string timing_strategy;               ///< Explicit implementation (e.g. a plugin's).
  nlohmann::json timing_config = nlohmann::json::object();   ///< Config of an explicit strategy.
  // Phases
  std::optional<uint64_t> request_count;
  std::optional<double> benchmark_duration;
  double benchmark_grace_period = 30;
  std::optional<uint64_t> warmup_request_count;
  std::optional<double> warmup_duration;
  /// Warmup's own ramps (AIPerf's --warmup-*-ramp-duration); unset = the profiling phase's ramp.
  std::optional<double> warmup_concurrency_ramp_duration, warmup_request_rate_ramp_duration;
  // Dataset
  std::vector<std::string> input_files;
  std::string tokenizer;                     ///< --tokenizer NAME_OR_PATH; "" = --model's, if cached, else words.
  uint64_t isl = 550, isl_stddev = 0;
  std::optional<uint64_t> osl;
  uint64_t osl_stddev = 0;
  bool osl_exact = false;                    ///< --osl-exact: also send min_tokens = max_tokens and ignore_eos.
  bool use_server_token_count = false;       ///< --use-server-token-count: usage counts win when present.
  uint64_t random_seed = 0;
  uint64_t num_dataset_entries = 100;
  std::string sampler = "sequential";
  // Workloads (docs/workloads.md)
  uint64_t shared_system_prompt_length = 0;  ///< One system prompt of this many tokens shared by every request.
  uint64_t user_context_prompt_length = 0;   ///< A context of this many tokens per conversation, before its prompt.
  uint64_t num_prefix_prompts = 0;           ///< A pool of this many prefixes; each request starts with one.
  uint64_t prefix_prompt_length = 0;         ///< Tokens of each pooled prefix.
  std::optional<uint64_t> block_size;        ///< Tokens per hash_ids block (default 512; bailian_trace 16).
  std::string seq_dist;                      ///< "ISL,OSL:PCT;...": a mixture of lengths, one class per component.
  std::string custom_dataset_type;           ///< How --input-file is read ("" = by its records).
  uint64_t conversation_num = 0;             ///< Synthetic multi-turn conversations (0 = single-turn prompts).
  double conversation_turn_mean = 1, conversation_turn_stddev = 0;  ///< Turns per conversation.
  double conversation_turn_delay_mean = 0, conversation_turn_delay_stddev = 0;  ///< Think time, ms.
  double conversation_turn_delay_ratio = 1;  ///< Scales every think time.
  nlohmann::json sampler_config = nlohmann::json::object();
  // Hooks, outputs
  std::vector<HookSpec> phase_hooks;
  // Collectors (server side, sampled during each phase; see docs/collectors.md)
  std::vector<std::string> server_metrics_urls;  ///< --server-metrics URL...; empty = the --url's /metrics.
  bool no_server_metrics = false;                ///< --no-server-metrics: do not scrape the server.
  std::string server_metrics_filter;             ///< --server-metrics-filter REGEX on family names.
  bool gpu_telemetry = false;                    ///< --gpu-telemetry: read DCGM at localhost:9400.
  std::vector<std::string> gpu_telemetry_urls;   ///< --gpu-telemetry-url URL...: DCGM exporters (implies on).
  std::vector<HookSpec> collectors;              ///< --collector NAME[={json}]: any other collector.
  HookIsolation phase_hook_isolation = HookIsolation::kProcess;  ///< See docs/reliability.md.
  std::vector<metrics::Slo> goodput;
  std::string artifact_dir;                  ///< Default: artifacts/<run name>.
  double max_error_rate = 0;                 ///< Fraction of failed requests tolerated (0 to 1).
  UiMode ui = UiMode::kSimple;
  bool plot = false;                         ///< Write ARTIFACT_DIR/report.html at the end (aiperf plot).
  uint64_t num_profile_runs = 1;             ///< Repeat the profiling run; > 1 summarises across runs.
  double confidence_level = 0.95;            ///< Level of the across-runs interval (--num-profile-runs).
  std::optional<double> slice_duration;      ///< Seconds per time slice of the profiling phase (timeslice exports).
  // Where the options came from
  std::string config_file;                   ///< --config: the YAML file applied under the flags.
  std::vector<std::string> plugin_paths;     ///< plugins.paths, made absolute.

  /// Problems with the values together, one Error each (empty when valid). With
  /// `complete` false, what flags may still add (model, run length) is not required.
  std::vector<Error> validate(bool complete = true) const;
  /// "<model>-<endpoint>-<mode><N>", safe as a directory name.
  std::string run_name() const;
  /// The endpoint's config object: --endpoint-config merged with api_key, headers, extra, path.
  nlohmann::json endpoint_config_json() const;
};

}  // namespace aiperf::config
