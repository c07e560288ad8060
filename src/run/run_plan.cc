#include "run/run_plan.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <cstdlib>
#include <numeric>
#include <string_view>
#include <system_error>
#include <thread>

#include "config/option_table.h"
#include "dataset/conversations.h"
#include "dataset/prefixes.h"
#include "dataset/seq_dist.h"
#include "endpoints/legacy_endpoint.h"
#include "tokenizer/prompt_builder.h"
#include "tokenizer/resolve.h"
#include "hooks/hook_host_client.h"
#include "plugin/trust.h"
#include "transport/local_ports.h"

namespace aiperf::run {
namespace {

using config::ProfileOptions;

Error bad(std::string subject, std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message)).about(std::move(subject));
}

// Problems of the options alone and together, before anything is read or created.
std::vector<Error> check_options(const ProfileOptions& o, transport::HttpUrl& url,
                                 std::vector<transport::HttpUrl>& more_urls) {
  auto problems = o.validate();
  auto parsed = transport::parse_http_url(o.url);
  if (parsed) url = *parsed;
  else problems.push_back(std::move(parsed.error()).about("--url"));
  for (std::size_t i = 1; i < o.urls.size(); ++i) {
    auto more = transport::parse_http_url(o.urls[i]);
    if (!more) {
      problems.push_back(std::move(more.error()).about("--url"));
    } else if (parsed && more->tls != parsed->tls) {
      problems.push_back(bad("--url", "every --url must use the same scheme (http:// or https://): '" + o.urls[i] + "'"));
    } else {
      more_urls.push_back(*more);
    }
  }
  if (!o.source_address.empty()) {
    if (auto sources = transport::parse_source_addresses(o.source_address); !sources) {
      problems.push_back(std::move(sources.error()).about("--source-address"));
    }
  }
  return problems;
}

// Connection policy, source addresses and bounds of the client (options already validated).
void configure_connections(RunPlan& plan) {
  const auto& o = plan.options;
  for (const auto& more : plan.more_urls) plan.client.more_origins.push_back({more.host, more.port});
  using transport::ConnectionReuse;
  plan.client.reuse = o.connection_reuse_strategy == "never"                  ? ConnectionReuse::kNever
                      : o.connection_reuse_strategy == "sticky-user-sessions" ? ConnectionReuse::kStickySessions
                                                                              : ConnectionReuse::kPooled;
  if (!o.source_address.empty()) plan.client.source_addresses = transport::parse_source_addresses(o.source_address).value();
  plan.client.max_response_bytes = o.max_response_bytes;
}

// --tokenizer, else the model's tokenizer if the HF cache has it, else none (word estimates).
Expected<std::shared_ptr<const tokenizer::Tokenizer>> open_tokenizer(const ProfileOptions& o) {
  // The default looks up only HuggingFace-style model ids (ORG/NAME), never a local path.
  if (o.tokenizer.empty() && o.model.find('/') == std::string::npos) return std::shared_ptr<const tokenizer::Tokenizer>();
  const std::string& name = o.tokenizer.empty() ? o.model : o.tokenizer;
  auto opened = o.tokenizer.empty() ? tokenizer::load_tokenizer(tokenizer::resolve_tokenizer(name).value_or(""))
                                    : tokenizer::open_tokenizer(name);
  if (opened) return std::make_shared<const tokenizer::Tokenizer>(std::move(*opened));
  if (!o.tokenizer.empty()) return fail(std::move(opened.error()).about("--tokenizer"));
  return std::shared_ptr<const tokenizer::Tokenizer>();
}

// The tokenizer's exact-length text (blocks end in a newline nothing merges with), else words.
Expected<dataset::TextSource> text_source(const tokenizer::Tokenizer* tok) {
  if (!tok) return dataset::word_source();
  auto builder = tokenizer::PromptBuilder::create(*tok);
  if (!builder) return fail(std::move(builder.error()).about("--tokenizer"));
  auto shared = std::make_shared<const tokenizer::PromptBuilder>(std::move(*builder));
  dataset::TextSource s;
  s.text = [shared](std::size_t n, std::mt19937_64& rng) { return shared->build(n, rng); };
  s.block = [shared](std::size_t n, std::mt19937_64& rng) { return shared->build_ending_with(n, "\n", rng); };
  s.exact = true;
  return s;
}

// Synthetic prompts of exactly the drawn number of tokens (AIPerf's corpus-window method, made exact).
Expected<dataset::Dataset> exact_synthetic(const ProfileOptions& o, const dataset::TextSource& source) {
  std::mt19937_64 rng(o.random_seed);
  std::normal_distribution<double> isl(static_cast<double>(o.isl), static_cast<double>(o.isl_stddev));
  std::normal_distribution<double> osl(static_cast<double>(o.osl.value_or(0)), static_cast<double>(o.osl_stddev));
  auto draw = [&rng](auto& dist, bool spread) { return spread ? std::max(1.0, std::round(dist(rng))) : dist.mean(); };
  std::vector<dataset::DatasetEntry> entries(o.num_dataset_entries);
  for (auto& entry : entries) {
    auto tokens = static_cast<std::size_t>(draw(isl, o.isl_stddev > 0));
    auto prompt = source.text(tokens, rng);
    if (!prompt) return fail(std::move(prompt.error()).about("--isl"));
    entry.prompt = std::move(*prompt);
    entry.prompt_words = static_cast<uint32_t>(tokens);
    entry.tokens_exact = true;
    if (o.osl) entry.max_tokens = static_cast<uint32_t>(draw(osl, o.osl_stddev > 0));
  }
  return dataset::from_entries(std::move(entries));
}

// Input files' prompts, counted by the tokenizer.
void count_tokens(dataset::Dataset& data, const tokenizer::Tokenizer& tok) {
  for (auto& entry : data.entries) {
    std::size_t n = tok.count(entry.prompt, {false, true});
    for (const auto& m : entry.messages) n += tok.count(m.content, {false, true});
    entry.prompt_words = static_cast<uint32_t>(n);
    for (auto& turn : entry.next_turns) turn.prompt_words = static_cast<uint32_t>(tok.count(turn.prompt, {false, true}));
    entry.tokens_exact = entry.messages.empty();  // chat templates add tokens we do not model: an estimate then
  }
}

Expected<dataset::Dataset> input_files(const ProfileOptions& o, const tokenizer::Tokenizer* tok,
                                       const dataset::TextSource& source) {
  dataset::FileOptions fo;
  fo.type = dataset::parse_dataset_type(o.custom_dataset_type).value_or(dataset::DatasetType::kAuto);
  fo.seed = o.random_seed;
  if (o.block_size) fo.block_size = static_cast<uint32_t>(*o.block_size);
  fo.source = source;
  std::vector<std::filesystem::path> files(o.input_files.begin(), o.input_files.end());
  auto data = dataset::load_input_files(files, fo);
  if (!data) return fail(std::move(data.error()).about("--input-file"));
  if (tok) count_tokens(*data, *tok);
  for (auto& entry : data->entries) {  // --conversation-turn-delay-ratio scales a file's delays too
    for (auto& turn : entry.next_turns) turn.delay_ms *= o.conversation_turn_delay_ratio;
  }
  return data;
}

Expected<dataset::Dataset> base_dataset(const ProfileOptions& o, const tokenizer::Tokenizer* tok,
                                        const dataset::TextSource& source) {
  if (!o.input_files.empty()) return input_files(o, tok, source);
  if (o.conversation_num > 0) {
    dataset::ConversationOptions c{o.conversation_num, o.conversation_turn_mean, o.conversation_turn_stddev,
                                   o.conversation_turn_delay_mean, o.conversation_turn_delay_stddev,
                                   o.conversation_turn_delay_ratio, static_cast<uint32_t>(o.isl),
                                   static_cast<uint32_t>(o.isl_stddev), std::nullopt,
                                   static_cast<uint32_t>(o.osl_stddev), o.random_seed};
    if (o.osl) c.osl_mean = static_cast<uint32_t>(*o.osl);
    auto entries = dataset::make_conversations(c, source);
    if (!entries) return fail(entries.error());
    return dataset::from_entries(std::move(*entries));
  }
  if (!o.seq_dist.empty()) {
    auto mixture = dataset::parse_seq_dist(o.seq_dist);
    if (!mixture) return fail(mixture.error());
    auto entries = dataset::make_mixture_dataset(*mixture, o.num_dataset_entries, o.random_seed, source);
    if (!entries) return fail(entries.error());
    return dataset::from_entries(std::move(*entries));
  }
  if (tok) return exact_synthetic(o, source);
  dataset::SyntheticOptions s;
  s.isl_mean = static_cast<uint32_t>(o.isl), s.isl_stddev = static_cast<uint32_t>(o.isl_stddev);
  s.osl_mean = o.osl ? std::optional<uint32_t>(static_cast<uint32_t>(*o.osl)) : std::nullopt;
  s.osl_stddev = static_cast<uint32_t>(o.osl_stddev);
  s.seed = o.random_seed, s.entries = o.num_dataset_entries;
  return dataset::from_entries(dataset::make_synthetic_dataset(s));
}

Expected<dataset::Dataset> load_dataset(const ProfileOptions& o, const tokenizer::Tokenizer* tok) {
  try {
    auto source = text_source(tok);
    if (!source) return fail(source.error());
    auto data = base_dataset(o, tok, *source);
    if (!data) return data;
    dataset::PrefixOptions p{o.shared_system_prompt_length, o.user_context_prompt_length, o.num_prefix_prompts,
                             o.prefix_prompt_length, o.random_seed};
    if (auto applied = dataset::apply_prefixes(*data, p, *source); !applied) return fail(applied.error());
    return data;
  } catch (const std::exception& e) {
    return fail(make_error(ErrorCode::kTooLarge, e.what()).about("dataset"));
  }
}

// Creates protocol P's implementation `name`; a failure is bad input.
template <Protocol P>
Expected<std::unique_ptr<P>> create(const PluginSetup& plugins, const std::string& name, const nlohmann::json& config) {
  auto instance = plugins.registry->create_instance<P>(name, config);
  if (!instance) return fail(instance.error());
  return std::move(*instance);
}

// The configured phase hooks; a hook that fails to load is reported and skipped.
// With process isolation each runs in its own hook host child (docs/reliability.md).
void load_phase_hooks(RunPlan& plan, const GlobalOptions& global) {
  if (plan.options.phase_hook_isolation == config::HookIsolation::kProcess && !plan.options.phase_hooks.empty()) {
    hooks::HookHostOptions host;  // the host enforces the 30 s; the registry's bound is only a backstop
    host.search_path = plan.plugins.search_path;
    const char* env = std::getenv(plugin::kAllowInsecureEnv);
    host.allow_insecure = global.allow_insecure_plugins || (env && std::string_view(env) == "1");
    plan.hooks = std::make_unique<hooks::PhaseHookRegistry>(host.timeout + std::chrono::seconds(10));
    for (const auto& spec : plan.options.phase_hooks) {
      auto hook = hooks::load_isolated_hook(*plan.hooks, host, spec.name, spec.config);
      if (!hook) {
        const auto& e = hook.error();
        if (e.code == ErrorCode::kCrashed) fmt::print(stderr, "\u2717 {}; skipped\n", e.message);
        else fmt::print(stderr, "\u2717 Failed to load phase hook '{}': {}\n", spec.name, e.message);
        continue;
      }
      fmt::print(stderr, "\u2713 Loaded phase hook: {}\n", spec.name);
      plan.loaded_hooks.push_back(std::move(*hook));
    }
    return;
  }
  for (const auto& spec : plan.options.phase_hooks) {
    auto hook = create<PhaseHook>(plan.plugins, spec.name, spec.config);
    if (!hook) {
      fmt::print(stderr, "\u2717 Failed to load phase hook '{}': {}\n", spec.name, hook.error().describe());
      continue;
    }
    try {
      (*hook)->register_with(*plan.hooks);
    } catch (const std::exception& e) {
      fmt::print(stderr, "\u2717 Failed to load phase hook '{}': register_with threw: {}\n", spec.name, e.what());
      continue;
    }
    fmt::print(stderr, "\u2713 Loaded phase hook: {}\n", spec.name);
    plan.loaded_hooks.push_back(std::move(*hook));
  }
}

// The collectors the options ask for (server_metrics by default); one that cannot be created is bad input.
std::vector<Error> load_collectors(RunPlan& plan) {
  const auto& o = plan.options;
  std::vector<config::HookSpec> specs;
  // Scrapes trust what the benchmark's requests trust (--ssl-*): one TLS set-up for the run.
  nlohmann::json tls = {{"ssl_verify", o.ssl_verify}};
  if (!o.ssl_ca_file.empty()) tls["ssl_ca_file"] = o.ssl_ca_file;
  if (!o.ssl_client_cert.empty()) tls["ssl_client_cert"] = o.ssl_client_cert;
  if (!o.ssl_client_key.empty()) tls["ssl_client_key"] = o.ssl_client_key;
  if (!o.no_server_metrics) {
    nlohmann::json c = tls;
    if (!o.server_metrics_urls.empty()) c["urls"] = o.server_metrics_urls;
    if (!o.server_metrics_filter.empty()) c["filter"] = o.server_metrics_filter;
    specs.push_back({"server_metrics", std::move(c)});
  }
  if (o.gpu_telemetry || !o.gpu_telemetry_urls.empty()) {
    nlohmann::json c = tls;
    if (!o.gpu_telemetry_urls.empty()) c["urls"] = o.gpu_telemetry_urls;
    specs.push_back({"gpu_telemetry", std::move(c)});
  }
  specs.insert(specs.end(), o.collectors.begin(), o.collectors.end());
  std::vector<Error> errors;
  for (const auto& spec : specs) {
    auto collector = create<Collector>(plan.plugins, spec.name, spec.config);
    if (!collector) {
      errors.push_back(std::move(collector.error()));
      continue;
    }
    plan.collectors->add(spec.name, std::move(*collector), o.url);
  }
  plan.collectors->register_with(*plan.hooks);
  return errors;
}

// "Discovered plugins:" with the plugin-provided names per protocol (nothing loaded).
void print_discovered(const plugin::PluginRegistry& registry) {
  std::string line;
  for (auto protocol : plugin::kProtocols) {
    std::vector<std::string> names;
    for (const auto& info : registry.implementations()) {
      if (info.ref.protocol == protocol && info.source == plugin::Source::kPlugin) names.push_back(info.ref.name);
    }
    if (!names.empty()) line += fmt::format("\n  {}: {}", protocol, fmt::join(names, ", "));
  }
  fmt::print(stderr, "Discovered plugins:{}\n", line.empty() ? " none" : line);
}

// The plugin API minor an endpoint was built with (built-ins: this host's).
int endpoint_api_minor(const PluginSetup& plugins, const std::string& name) {
  auto candidates = plugins.registry->candidates({"endpoint", plugin::normalize_name(name)});
  if (candidates.empty() || !candidates.front().package) return AIPERF_PLUGIN_API_MINOR;
  return candidates.front().package->manifest.abi_minor;
}

// Endpoint, sampler and (as a check of its config) the timing strategy.
}  // namespace

Expected<std::unique_ptr<Endpoint>> make_endpoint(const RunPlan& plan) {
  const auto& o = plan.options;
  auto endpoint = create<Endpoint>(plan.plugins, o.endpoint_type, o.endpoint_config_json());
  if (!endpoint) return fail(endpoint.error());
  return endpoints::adapt_to_host(std::move(*endpoint), endpoint_api_minor(plan.plugins, o.endpoint_type));
}

Expected<std::unique_ptr<DatasetSampler>> make_sampler(const RunPlan& plan) {
  const auto& o = plan.options;
  auto sampler = create<DatasetSampler>(plan.plugins, o.sampler, o.sampler_config);
  if (!sampler) return fail(sampler.error());
  try {
    (*sampler)->bind({plan.data.entries.size(), plan.data.weights, plan.data.sources, o.random_seed});
  } catch (const std::exception& e) {
    return fail(bad("dataset_sampler:" + o.sampler, std::string("rejected the dataset: ") + e.what()));
  }
  return std::move(*sampler);
}

namespace {

std::vector<Error> create_implementations(RunPlan& plan) {
  std::vector<Error> problems;
  const auto& o = plan.options;
  if (auto endpoint = make_endpoint(plan)) {
    plan.endpoint = std::move(*endpoint);
    if (o.streaming && !plan.endpoint->can_stream()) {
      problems.push_back(bad("--streaming", "the " + o.endpoint_type + " endpoint cannot stream responses"));
    }
  } else {
    problems.push_back(endpoint.error());
  }
  if (auto strategy = create<TimingStrategy>(plan.plugins, plan.strategy.name, plan.strategy.config); !strategy) {
    problems.push_back(strategy.error());
  }
  if (auto sampler = make_sampler(plan)) plan.sampler = std::move(*sampler);
  else problems.push_back(sampler.error());
  return problems;
}

// A re-run into an artifact directory moves the previous run's exports to `previous/`,
// so a run that is then killed never leaves old complete files beside new partial ones.
void set_aside_previous_run(const std::filesystem::path& dir) {
  static constexpr const char* kExports[] = {"profile_export_aiperf.json", "profile_export_aiperf.csv",
                                             "profile_export.jsonl", "inputs.json"};
  std::error_code ec;
  bool any = false;
  for (const char* name : kExports) any = any || std::filesystem::exists(dir / name, ec);
  if (!any) return;
  auto previous = dir / "previous";
  std::filesystem::remove_all(previous, ec);
  std::filesystem::create_directories(previous, ec);
  for (const char* name : kExports) std::filesystem::rename(dir / name, previous / name, ec);
  fmt::print(stderr, "note: moved the previous run's exports to {}/\n", previous.string());
}

// Raises the soft descriptor limit to the hard one; warns when the connections cannot fit.
void fit_descriptor_limit(uint64_t connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur != RLIM_INFINITY && connections + 64 > limit.rlim_cur) {
    fmt::print(stderr, "warning: {} connections need more file descriptors than RLIMIT_NOFILE {} allows\n",
               connections, static_cast<uint64_t>(limit.rlim_cur));
  }
}

void size_client(RunPlan& plan) {
  const auto& o = plan.options;
  uint64_t max_in_flight = o.concurrency.value_or(o.request_rate || plan.strategy.stops_itself ? 4096 : 1);
  if (o.user_centric_rate && !o.concurrency) max_in_flight = std::max<uint64_t>(o.num_users, 1);  // one per user
  plan.client.host = plan.url.host;
  plan.client.port = plan.url.port;
  plan.client.max_connections = static_cast<std::size_t>(max_in_flight);
  plan.client.request_timeout = std::chrono::milliseconds(static_cast<int64_t>(o.request_timeout_seconds * 1000));
  auto& tls = plan.client.tls;
  tls.enabled = plan.url.tls;
  tls.verify = o.ssl_verify;
  tls.ca_file = o.ssl_ca_file;
  tls.client_cert = o.ssl_client_cert;
  tls.client_key = o.ssl_client_key;
  if (tls.enabled && !tls.verify) {
    fmt::print(stderr, "warning: --ssl-verify false: the server's certificate is NOT checked; anyone on the path "
                       "can read and alter this benchmark's traffic\n");
  }
  plan.client.timestamp_source = o.timestamp_source == config::TimestampSource::kUser
                                     ? metrics::TimestampSource::kUser
                                     : metrics::TimestampSource::kKernel;
  configure_connections(plan);
}

// This process's descriptors and local ports, once the run is split (a rank holds its share).
void fit_local_resources(const RunPlan& plan) {
  const uint64_t connections = plan.client.max_connections;
  fit_descriptor_limit(connections);
  const auto range = transport::read_local_port_range();
  if (!range) return;
  // --url round robin goes by the run's send order: a rank of R sends to urls / gcd(urls, R) of them.
  const std::size_t urls = 1 + plan.more_urls.size();
  const std::size_t servers =
      plan.options.url_strategy == "random" ? urls : urls / std::gcd(urls, static_cast<std::size_t>(plan.part.count()));
  const transport::ConnectionSpread spread{connections, servers, plan.client.source_addresses.size()};
  if (auto warning = transport::local_port_warning(spread, *range)) fmt::print(stderr, "warning: {}\n", *warning);
}

}  // namespace

Expected<StrategyChoice> choose_strategy(const ProfileOptions& o, const std::vector<double>& timestamps_ms) {
  if (!o.timing_strategy.empty()) return StrategyChoice{o.timing_strategy, o.timing_config, true, true};
  if (o.fixed_schedule && timestamps_ms.empty()) {
    return fail(bad("--fixed-schedule", "needs an --input-file whose records have a 'timestamp'"));
  }
  if (o.fixed_schedule || (!timestamps_ms.empty() && !o.request_rate)) {
    nlohmann::json config = {{"schedule_ms", timestamps_ms}};
    if (o.fixed_schedule_start_offset_ms) config["start_offset_ms"] = *o.fixed_schedule_start_offset_ms;
    if (o.fixed_schedule_end_offset_ms) config["end_offset_ms"] = *o.fixed_schedule_end_offset_ms;
    return StrategyChoice{"fixed_schedule", config, true, true};
  }
  if (o.user_centric_rate) {
    return StrategyChoice{"user_centric", {{"user_centric_rate", *o.user_centric_rate}, {"num_users", o.num_users}}, true, false};
  }
  if (o.request_rate) {
    nlohmann::json config = {{"request_rate", *o.request_rate}, {"arrival_pattern", config::to_string(o.arrival_pattern)},
                             {"arrival_smoothness", o.arrival_smoothness}, {"seed", o.random_seed}};
    if (o.concurrency) config["max_concurrency"] = *o.concurrency;
    if (o.request_rate_ramp_duration > 0) config["ramp_duration_s"] = o.request_rate_ramp_duration;
    return StrategyChoice{"request_rate", config, true, false};
  }
  nlohmann::json config = {{"concurrency", o.concurrency.value_or(1)}};
  if (o.concurrency_ramp_duration > 0) config["ramp_duration_s"] = o.concurrency_ramp_duration;
  return StrategyChoice{"concurrency", config, false, false};
}

std::vector<engine::PhasePlan> plan_phases(const ProfileOptions& o, std::size_t dataset_size, bool stops_itself) {
  std::vector<engine::PhasePlan> out;
  if (o.warmup_request_count || o.warmup_duration) {
    out.push_back({"warmup", o.warmup_request_count.value_or(0), o.warmup_duration, o.benchmark_grace_period});
  }
  uint64_t count = o.request_count.value_or(0);
  if (!o.request_count && !o.benchmark_duration && !stops_itself) count = dataset_size;
  out.push_back({"profiling", count, o.benchmark_duration, o.benchmark_grace_period});
  return out;
}

std::vector<Error> split_problems(const RunPlan& plan, int parts, const std::string& what) {
  if (parts <= 1) return {};
  const auto& strategy = plan.strategy;
  if (strategy.name != "concurrency" && strategy.name != "request_rate" && strategy.name != "fixed_schedule") {
    return {bad(what == "ranks" ? "mpirun" : "--workers",
                fmt::format("the {} timing strategy cannot be split across {} yet (--concurrency, --request-rate and "
                            "--fixed-schedule can)", plan.options.user_centric_rate ? "--user-centric-rate" : strategy.name, what))};
  }
  std::vector<Error> problems;
  for (const auto& phase : plan.phases) {
    if (phase.request_count != 0 && phase.request_count < static_cast<uint64_t>(parts)) {
      problems.push_back(bad(phase.name == "warmup" ? "--warmup-request-count" : "--request-count",
                             fmt::format("{} {} requests for {} {}: each needs at least one", phase.name,
                                         phase.request_count, parts, what)));
    }
  }
  for (const char* key : {"concurrency", "max_concurrency"}) {
    if (strategy.config.contains(key) && strategy.config[key].get<uint64_t>() < static_cast<uint64_t>(parts)) {
      problems.push_back(bad("--concurrency", fmt::format("{} for {} {}: each needs at least one",
                                                          strategy.config[key].get<uint64_t>(), parts, what)));
    }
  }
  return problems;
}

PartPlan plan_part(const RunPlan& plan, distributed::Segment part) {
  PartPlan out{part, plan.phases, plan.strategy, plan.client};
  if (part.whole()) return out;
  // A count is of requests, a conversation several of them: shares of a count would cut conversations,
  // so with conversations the parts share it by conversation (distributed::TurnLedger).
  const bool conversations = std::any_of(plan.data.entries.begin(), plan.data.entries.end(),
                                         [](const auto& entry) { return entry.conversation; });
  for (auto& phase : out.phases) {
    if (conversations) phase.whole_request_count = phase.request_count;
    phase.request_count = part.share_of(phase.request_count);  // 0 stays "no count"
  }
  // An open loop's cap is shared (the shares sum to the whole); a closed loop's concurrency is
  // shared by the strategy itself, which also stripes a ramp's slots over the parts.
  if (out.strategy.name == "concurrency") {
    out.strategy.config["part"] = {{"index", part.index()}, {"count", part.count()}};
  } else if (out.strategy.config.contains("max_concurrency")) {
    out.strategy.config["max_concurrency"] = part.share_of(out.strategy.config["max_concurrency"].get<uint64_t>());
  }
  auto& client = out.client;
  client.max_connections = static_cast<std::size_t>(std::max<uint64_t>(1, part.share_of(client.max_connections)));
  // Source addresses: each part binds its own stripe of them when there are enough to go round.
  if (client.source_addresses.size() >= static_cast<std::size_t>(part.count())) {
    std::vector<std::string> mine;
    for (std::size_t i = 0; i < client.source_addresses.size(); ++i) {
      if (part.owns(i)) mine.push_back(client.source_addresses[i]);
    }
    client.source_addresses = std::move(mine);
  }
  return out;
}

namespace {

// Under mpirun: this rank's shares. Then the event loops: --workers, or as many of the cores as the run splits into.
std::vector<Error> split_the_run(RunPlan& plan) {
  if (!plan.part.whole()) {
    auto problems = split_problems(plan, plan.part.count(), "ranks");
    if (!problems.empty()) return problems;
    PartPlan mine = plan_part(plan, plan.part);
    plan.phases = std::move(mine.phases), plan.strategy = std::move(mine.strategy), plan.client = std::move(mine.client);
  }
  const uint64_t asked = plan.options.workers;
  if (asked > 1 && !plan.part.whole()) {
    return {bad("--workers", "under mpirun every rank is one event loop: start more ranks per machine instead")};
  }
  if (asked > 1024) return {bad("--workers", fmt::format("{} is more than 1024", asked))};
  if (asked > 0) {
    plan.workers = static_cast<int>(asked);
    return split_problems(plan, plan.workers, "workers");
  }
  plan.workers = 1;
  if (!plan.part.whole()) return {};
  for (int n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); n > 1; --n) {
    if (split_problems(plan, n, "workers").empty()) return plan.workers = n, std::vector<Error>{};
  }
  return {};
}

}  // namespace

tl::expected<RunPlan, std::vector<Error>> make_run_plan(GlobalOptions global, ProfileOptions options,
                                                        distributed::Segment part) {
  RunPlan plan;
  plan.part = part;
  plan.options = std::move(options);
  const auto& o = plan.options;
  auto problems = check_options(o, plan.url, plan.more_urls);
  if (!problems.empty()) return tl::unexpected(problems);
  auto tok = open_tokenizer(o);
  if (!tok) return tl::unexpected(std::vector{tok.error()});
  plan.tokenizer = std::move(*tok);
  if (!plan.tokenizer && o.ui != config::UiMode::kNone) {
    fmt::print(stderr, "note: no tokenizer (--tokenizer, or --model in the HuggingFace cache): input lengths are "
                       "word counts, labelled as estimates\n");
  }
  // random_pool: records drawn at random with replacement, unless a sampler was named.
  if (o.custom_dataset_type == "random_pool" && o.sampler == "sequential") plan.options.sampler = "random";
  auto data = load_dataset(o, plan.tokenizer.get());
  if (!data) return tl::unexpected(std::vector{data.error()});
  plan.data = std::move(*data);
  auto strategy = choose_strategy(o, plan.data.timestamps_ms);
  if (!strategy) return tl::unexpected(std::vector{strategy.error()});
  plan.strategy = std::move(*strategy);

  global.config_paths.assign(o.plugin_paths.begin(), o.plugin_paths.end());
  plan.plugins = discover_plugins(global);
  print_discovery_report(plan.plugins);
  if (o.ui != config::UiMode::kNone) print_discovered(*plan.plugins.registry);
  problems = create_implementations(plan);
  if (!problems.empty()) return tl::unexpected(problems);
  if (plan.lead()) {  // the other ranks of a split run export nothing: their requests go to the lead's
    load_phase_hooks(plan, global);
    problems = load_collectors(plan);
    if (!problems.empty()) return tl::unexpected(problems);
  }

  plan.artifact_dir = o.artifact_dir.empty() ? std::filesystem::path("artifacts") / o.run_name()
                                             : std::filesystem::path(o.artifact_dir);
  std::error_code ec;
  std::filesystem::create_directories(plan.artifact_dir, ec);
  if (ec) return tl::unexpected(std::vector{bad("--artifact-dir", "cannot create " + plan.artifact_dir.string() + ": " + ec.message())});
  if (plan.lead()) set_aside_previous_run(plan.artifact_dir);
  std::size_t requests = 0;  // a conversation is one request per turn
  for (const auto& entry : plan.data.entries) requests += 1 + entry.next_turns.size();
  plan.phases = plan_phases(o, requests, plan.strategy.stops_itself);
  size_client(plan);
  problems = split_the_run(plan);
  if (!problems.empty()) return tl::unexpected(problems);
  fit_local_resources(plan);
  plan.input_config = config::to_input_config(o);
  return plan;
}

}  // namespace aiperf::run
