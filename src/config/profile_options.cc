#include "config/profile_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace aiperf::config {
namespace {

// Servers and connections: strategies by name, cancellation and response bounds.
template <class Need>
void validate_connections(const ProfileOptions& o, Need& need) {
  need(o.url_strategy == "round_robin" || o.url_strategy == "random", "--url-strategy",
       "must be round_robin or random, got '" + o.url_strategy + "'");
  need(o.connection_reuse_strategy == "pooled" || o.connection_reuse_strategy == "never" ||
           o.connection_reuse_strategy == "sticky-user-sessions",
       "--connection-reuse-strategy", "must be pooled, never or sticky-user-sessions, got '" + o.connection_reuse_strategy + "'");
  need(o.request_cancellation_rate >= 0 && o.request_cancellation_rate <= 100, "--request-cancellation-rate",
       fmt::format("must be a percentage between 0 and 100, got {}", o.request_cancellation_rate));
  need(o.request_cancellation_delay >= 0 && o.request_cancellation_delay <= kMaxSeconds, "--request-cancellation-delay",
       fmt::format("must be between 0 and {} s, got {}", kMaxSeconds, o.request_cancellation_delay));
  need(o.max_response_bytes >= 1024, "--max-response-bytes", "must be at least 1024");
}

// The workload options (docs/workloads.md): lengths bounded like --isl, pairs given together.
template <class Need>
void validate_workloads(const ProfileOptions& o, Need& need) {
  for (auto [value, flag] : {std::pair{o.shared_system_prompt_length, "--shared-system-prompt-length"},
                             {o.user_context_prompt_length, "--user-context-prompt-length"},
                             {o.prefix_prompt_length, "--prefix-prompt-length"}, {o.block_size.value_or(1), "--block-size"}}) {
    need(value <= kMaxPromptLength, flag, fmt::format("must be at most {}", kMaxPromptLength));
  }
  need(o.block_size.value_or(1) >= 1, "--block-size", "must be at least 1");
  need((o.num_prefix_prompts == 0) == (o.prefix_prompt_length == 0), "--num-prefix-prompts",
       "and --prefix-prompt-length go together");
  need(o.num_prefix_prompts <= 100'000, "--num-prefix-prompts", "must be at most 100000");
  static constexpr const char* kTypes[] = {"",         "single_turn",   "multi_turn",      "random_pool",
                                           "mooncake_trace", "bailian_trace", "burst_gpt_trace", "sharegpt"};
  need(std::find(std::begin(kTypes), std::end(kTypes), o.custom_dataset_type) != std::end(kTypes),
       "--custom-dataset-type", "must be single_turn, multi_turn, random_pool, mooncake_trace, bailian_trace, "
                                "burst_gpt_trace or sharegpt, got '" + o.custom_dataset_type + "'");
  need(o.custom_dataset_type.empty() || !o.input_files.empty(), "--custom-dataset-type", "needs --input-file");
  need(o.seq_dist.empty() || o.input_files.empty(), "--seq-dist", "makes synthetic prompts; it excludes --input-file");
  need(o.conversation_num == 0 || (o.input_files.empty() && o.seq_dist.empty()), "--conversation-num",
       "makes synthetic conversations; it excludes --input-file and --seq-dist");
  need(o.conversation_num <= kMaxDatasetEntries, "--conversation-num", fmt::format("must be at most {}", kMaxDatasetEntries));
  need(o.conversation_turn_mean >= 1 && o.conversation_turn_mean <= 10'000 && o.conversation_turn_stddev >= 0,
       "--conversation-turn-mean", "must be in 1-10000 (and its stddev not negative)");
  need(o.conversation_turn_delay_mean >= 0 && o.conversation_turn_delay_stddev >= 0 &&
           o.conversation_turn_delay_ratio >= 0 && o.conversation_turn_delay_mean <= kMaxSeconds * 1000,
       "--conversation-turn-delay-mean", "and its stddev and ratio must not be negative");
}

// Ramps, counts, durations and the user-centric mode: the shape of the load over time.
template <class Need>
void validate_load_shape(const ProfileOptions& o, Need& need) {
  need(o.arrival_smoothness > 0, "--arrival-smoothness", "must be positive");
  need(!(o.concurrency_ramp_duration > 0 && o.request_rate), "--concurrency-ramp-duration",
       "ramps --concurrency mode only (not the ceiling of --request-rate)");
  need(!(o.request_rate_ramp_duration > 0 && !o.request_rate), "--request-rate-ramp-duration", "needs --request-rate");
  const bool warmup = o.warmup_request_count || o.warmup_duration;
  need(!(o.warmup_concurrency_ramp_duration.value_or(0) > 0 && (o.request_rate || !warmup)),
       "--warmup-concurrency-ramp-duration", "needs a warmup phase (--warmup-request-count or --warmup-duration) in "
                                             "--concurrency mode");
  need(!(o.warmup_request_rate_ramp_duration.value_or(0) > 0 && (!o.request_rate || !warmup)),
       "--warmup-request-rate-ramp-duration", "needs --request-rate and a warmup phase");
  for (auto [value, flag] : {std::pair{o.concurrency_ramp_duration, "--concurrency-ramp-duration"},
                             {o.request_rate_ramp_duration, "--request-rate-ramp-duration"},
                             {o.warmup_concurrency_ramp_duration.value_or(0), "--warmup-concurrency-ramp-duration"},
                             {o.warmup_request_rate_ramp_duration.value_or(0), "--warmup-request-rate-ramp-duration"}}) {
    need(value >= 0 && value <= kMaxSeconds, flag, fmt::format("must be between 0 and {} s", kMaxSeconds));
  }
  need(!o.request_count || *o.request_count >= 1, "--request-count", "must be at least 1");
  need(!o.benchmark_duration || *o.benchmark_duration > 0, "--benchmark-duration", "must be positive");
  need(o.benchmark_grace_period >= 0, "--benchmark-grace-period", "must not be negative");
  need(!o.warmup_request_count || *o.warmup_request_count >= 1, "--warmup-request-count", "must be at least 1");
  need(!o.warmup_duration || *o.warmup_duration > 0, "--warmup-duration", "must be positive");
  need(!(o.request_rate && o.fixed_schedule), "--request-rate", "and --fixed-schedule exclude each other");
  need(!o.user_centric_rate || (*o.user_centric_rate >= kMinRequestRate && *o.user_centric_rate <= kMaxRequestRate),
       "--user-centric-rate", fmt::format("must be between {} and {}", kMinRequestRate, kMaxRequestRate));
  need(!o.user_centric_rate || (o.num_users >= 1 && o.num_users <= 1'000'000), "--user-centric-rate",
       "needs --num-users U (1-1000000)");
  need(o.user_centric_rate || o.num_users == 0, "--num-users", "needs --user-centric-rate");
  need(!(o.user_centric_rate && (o.request_rate || o.fixed_schedule)), "--user-centric-rate",
       "excludes --request-rate and --fixed-schedule");
}

}  // namespace

std::vector<Error> ProfileOptions::validate(bool complete) const {
  std::vector<Error> problems;
  auto need = [&](bool ok, const char* subject, std::string message) {
    if (!ok) problems.push_back(make_error(ErrorCode::kInvalidArgument, fmt::format("{} {}", subject, message)));
  };
  need(!complete || !model.empty(), "--model", "is required");
  need(!concurrency || *concurrency >= 1, "--concurrency", "must be at least 1");
  need(!request_rate || *request_rate > 0, "--request-rate",
       fmt::format("must be a positive number, got {}", request_rate.value_or(0)));
  need(!request_rate || *request_rate >= kMinRequestRate, "--request-rate",
       fmt::format("must be at least {} (one request per 11.6 days); times beyond are not representable", kMinRequestRate));
  need(!request_rate || *request_rate <= kMaxRequestRate, "--request-rate", fmt::format("must be at most {}", kMaxRequestRate));
  for (auto [value, flag] : {std::pair{benchmark_duration, "--benchmark-duration"}, {warmup_duration, "--warmup-duration"},
                             {std::optional(benchmark_grace_period), "--benchmark-grace-period"},
                             {std::optional(request_timeout_seconds), "--request-timeout-seconds"}}) {
    need(!value || *value <= kMaxSeconds, flag, fmt::format("must be at most {} s (one year)", kMaxSeconds));
  }
  validate_load_shape(*this, need);
  need(!(timing_strategy.empty() && !timing_config.empty()), "--timing-config", "needs --timing-strategy");
  need(!(no_server_metrics && (!server_metrics_urls.empty() || !server_metrics_filter.empty())), "--no-server-metrics",
       "and --server-metrics/--server-metrics-filter exclude each other");
  bool self_limiting = fixed_schedule || !timing_strategy.empty();
  if (complete && !(request_count || benchmark_duration || self_limiting || !input_files.empty() || conversation_num > 0)) {
    problems.push_back(make_error(ErrorCode::kInvalidArgument,
                                  "say how long to run: --request-count N or --benchmark-duration SECONDS"));
  }
  need(isl >= 1, "--isl", "must be at least 1");
  // Bounded by what can be sent: a prompt beyond any model's context, or a dataset
  // that would not fit in memory, is refused before anything is built.
  need(isl <= kMaxPromptLength && isl_stddev <= kMaxPromptLength, "--isl",
       fmt::format("and --isl-stddev must be at most {} (longer than any model's context)", kMaxPromptLength));
  need(num_dataset_entries <= kMaxDatasetEntries, "--num-dataset-entries",
       fmt::format("must be at most {}", kMaxDatasetEntries));
  bool sizes_bounded = isl <= kMaxPromptLength && isl_stddev <= kMaxPromptLength && num_dataset_entries <= kMaxDatasetEntries;
  need(!sizes_bounded || num_dataset_entries * (isl + 3 * isl_stddev) <= kMaxDatasetWords, "--num-dataset-entries",
       fmt::format("× (--isl + 3 × --isl-stddev) must be at most {} words of prompts", kMaxDatasetWords));
  need(!osl || *osl >= 1, "--osl", "must be at least 1");
  need(!osl_exact || osl || !input_files.empty(), "--osl-exact", "needs --osl (or input records with max_tokens)");
  need(!osl_exact || endpoint_type == "chat" || endpoint_type == "completions", "--osl-exact",
       "applies to the chat and completions endpoints (min_tokens and ignore_eos are vLLM's OpenAI-API parameters)");
  need(num_dataset_entries >= 1, "--num-dataset-entries", "must be at least 1");
  need(request_timeout_seconds > 0, "--request-timeout-seconds", "must be positive");
  need(max_error_rate >= 0 && max_error_rate <= 1, "--max-error-rate",
       fmt::format("must be between 0 and 1, got {}", max_error_rate));
  need(num_profile_runs >= 1 && num_profile_runs <= 1000, "--num-profile-runs",
       fmt::format("must be between 1 and 1000, got {}", num_profile_runs));
  need(!slice_duration || (*slice_duration > 0 && std::isfinite(*slice_duration)), "--slice-duration",
       "must be a positive number of seconds");
  need(confidence_level >= 0.5 && confidence_level < 1, "--confidence-level",
       fmt::format("must be at least 0.5 and below 1, got {}", confidence_level));
  bool rankings = endpoint_type == "rankings";
  need(rankings || !(rankings_passages_mean || rankings_passages_stddev), "--rankings-passages-mean",
       "and --rankings-passages-stddev need --endpoint-type rankings");
  need(!rankings_passages_mean || *rankings_passages_mean >= 1, "--rankings-passages-mean", "must be at least 1");
  need(!rankings_passages_stddev || *rankings_passages_stddev >= 0, "--rankings-passages-stddev", "must not be negative");
  validate_connections(*this, need);
  validate_workloads(*this, need);
  need(custom_endpoint.empty() || custom_endpoint.front() == '/', "--endpoint",
       "must start with '/', got '" + custom_endpoint + "'");
  return problems;
}

std::string ProfileOptions::run_name() const {
  std::string load = request_rate ? fmt::format("request_rate{}", *request_rate)
                                  : fmt::format("concurrency{}", concurrency.value_or(1));
  if (user_centric_rate) load = fmt::format("user_centric{}x{}", *user_centric_rate, num_users);
  std::string name = fmt::format("{}-{}-{}", model, endpoint_type, load);
  for (char& c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!ok) c = '_';
  }
  return name;
}

nlohmann::json ProfileOptions::endpoint_config_json() const {
  nlohmann::json config = endpoint_config.is_object() ? endpoint_config : nlohmann::json::object();
  // An explicit -H Authorization wins over --api-key: one Authorization header, never two.
  bool has_authorization = std::any_of(headers.begin(), headers.end(), [](const Header& h) {
    std::string n = h.name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    return n == "authorization";
  });
  if (!api_key.empty() && !has_authorization) config["api_key"] = api_key;
  if (!custom_endpoint.empty()) config["path"] = custom_endpoint;
  for (const auto& h : headers) config["headers"][h.name] = h.value;
  for (const auto& e : extra_inputs) config["extra"][e.key] = e.value;
  if (osl_exact) config["osl_exact"] = true;
  if (rankings_passages_mean) config["passages_mean"] = *rankings_passages_mean;
  if (rankings_passages_stddev) config["passages_stddev"] = *rankings_passages_stddev;
  return config;
}

}  // namespace aiperf::config
