#include "cli/profile_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>

#include "config/config_file.h"
#include "config/profile_options.h"
#include "cli/signal_watcher.h"
#include "dataset/file_dataset.h"
#include "engine/benchmark.h"
#include "export/atomic_file.h"
#include "export/profile_export.h"
#include "metrics/goodput.h"
#include "plugin/factory.h"
#include "report/console_table.h"
#include "transport/http_client.h"
#include "transport/url.h"

namespace aiperf::cli {
namespace {

using config::ProfileOptions;
using config::parse_json_object;

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_run_token() {
  std::random_device device;
  return fmt::format("{:08x}", device());
}

void log_line(const std::string& line) { fmt::print(stderr, "{}\n", line); }

// Progress while a phase runs: one rewritten line on a terminal, a line every 5 s otherwise.
void schedule_progress(transport::HttpClient& client, const engine::Benchmark& benchmark, bool tty) {
  client.run_at(transport::now_ns() + (tty ? 500'000'000 : 5'000'000'000), [&client, &benchmark, tty] {
    const engine::PhaseRunner* r = benchmark.current();
    if (r == nullptr || r->finished()) {
      if (tty) fmt::print(stderr, "\r\033[K");
      if (r == nullptr) return;
    } else {
      double elapsed = static_cast<double>(transport::now_ns() - r->start_ns()) / 1e9;
      std::string total = r->request_count() ? fmt::format("/{}", r->request_count()) : "";
      fmt::print(stderr, "{}[{}] {}{} done, {} in flight, {} failed, {:.1f} req/s, {:.0f} s{}",
                 tty ? "\r\033[K" : "", r->phase(), r->completed(), total, r->in_flight(), r->failed(),
                 elapsed > 0 ? static_cast<double>(r->completed()) / elapsed : 0.0, elapsed, tty ? "" : "\n");
    }
    schedule_progress(client, benchmark, tty);
  });
}

// The configured phase hooks, built through the factory; failures are reported and skipped.
std::vector<std::unique_ptr<PhaseHook>> load_phase_hooks(const plugin::PluginRegistry& registry,
                                                         const std::vector<std::string>& specs,
                                                         PhaseHookRegistry& hooks) {
  std::vector<std::unique_ptr<PhaseHook>> loaded;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    std::string name = spec.substr(0, eq);
    auto config = eq == std::string::npos ? nlohmann::json::object()
                                          : parse_json_object(spec.substr(eq + 1), "--phase-hook " + name);
    auto hook = registry.create_instance<PhaseHook>(name, config);
    if (!hook) {
      fmt::print(stderr, "\u2717 Failed to load phase hook '{}': {}\n", name, hook.error().describe());
      continue;
    }
    try {
      (*hook)->register_with(hooks);
    } catch (const std::exception& e) {
      fmt::print(stderr, "\u2717 Failed to load phase hook '{}': register_with threw: {}\n", name, e.what());
      continue;
    }
    fmt::print(stderr, "\u2713 Loaded phase hook: {}\n", name);
    loaded.push_back(std::move(*hook));
  }
  return loaded;
}

// Warns when aiperf itself was the bottleneck: late sends (open-loop schedules only:
// a closed loop has no schedule to miss) or a saturated CPU.
void warn_if_client_lagged(const engine::PhaseOutcome& phase, bool open_loop) {
  if (auto lag = phase.metrics.result(metrics::MetricId::kScheduleLag);
      open_loop && lag && lag->stats && lag->stats->p99 > 10) {
    log_line(fmt::format("warning: {} sends were late (schedule lag p99 {:.1f} ms): the client could "
                         "not keep up, so latencies may hide coordinated omission",
                         phase.stats.phase, lag->stats->p99));
  }
  if (phase.stats.duration_sec > 1 && phase.client_cpu_seconds / phase.stats.duration_sec > 0.9) {
    log_line(fmt::format("warning: aiperf used {:.0f}% of a core during {}: results may be limited by the client",
                         100 * phase.client_cpu_seconds / phase.stats.duration_sec, phase.stats.phase));
  }
}

// Aggregate JSON for one phase: metrics at top level plus the run's facts.
nlohmann::json phase_json(const engine::PhaseOutcome& phase, const exporting::ErrorSummary& errors,
                          const exporting::RunInfo& info) {
  auto doc = exporting::aggregate_json(phase.metrics, errors, info);
  doc["cancelled_request_count"] = {{"unit", "requests"}, {"avg", phase.cancelled}};
  if (!phase.strategy_summary.empty()) doc["timing_strategy_summary"] = phase.strategy_summary;
  return doc;
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

int run_profile(GlobalOptions global, const ProfileOptions& o) {
  if (!o.config_errors.empty()) {
    for (const auto& e : o.config_errors) fmt::print(stderr, "error: {}\n", e);
    return 2;
  }
  global.config_paths.assign(o.plugin_paths.begin(), o.plugin_paths.end());
  auto problems = o.validate();
  auto url = transport::parse_http_url(o.url);
  if (!url) problems.push_back("--url: " + url.error());
  std::optional<std::vector<metrics::Slo>> slos;
  if (!o.goodput.empty()) {
    auto parsed = metrics::parse_goodput(o.goodput);
    if (parsed) slos = *parsed;
    else problems.push_back("--goodput: " + parsed.error());
  }
  dataset::Dataset data;
  if (problems.empty()) {
    try {
      if (o.input_files.empty()) {
        dataset::SyntheticOptions s;
        s.isl_mean = o.isl, s.isl_stddev = o.isl_stddev, s.osl_mean = o.osl, s.osl_stddev = o.osl_stddev;
        s.seed = o.random_seed, s.entries = o.num_dataset_entries;
        data = dataset::from_entries(dataset::make_synthetic_dataset(s));
      } else {
        std::vector<std::filesystem::path> files(o.input_files.begin(), o.input_files.end());
        data = dataset::load_jsonl_files(files, o.random_seed);
      }
    } catch (const dataset::DatasetError& e) {
      problems.push_back(std::string("--input-file: ") + e.what());
    }
  }
  if (o.fixed_schedule && problems.empty() && data.timestamps_ms.empty()) {
    problems.push_back("--fixed-schedule needs an --input-file whose records have a 'timestamp'");
  }
  if (!problems.empty()) {
    for (const auto& p : problems) fmt::print(stderr, "error: {}\n", p);
    return 2;
  }

  // Resolve every implementation before any request: a bad name or config stops here.
  auto setup = discover_plugins(global);
  for (const auto& e : setup.report.errors) fmt::print(stderr, "warning: {}\n", e.describe());
  if (o.ui != "none") print_discovered(*setup.registry);
  auto [strategy_name, strategy_config] = o.timing(data.timestamps_ms);
  std::unique_ptr<Endpoint> endpoint;
  std::unique_ptr<DatasetSampler> sampler;
  try {
    endpoint = plugin::Factory<Endpoint>(*setup.registry).create(o.endpoint_type, o.endpoint_config_json());
    plugin::Factory<TimingStrategy>(*setup.registry).create(strategy_name, strategy_config);  // validates
    sampler = plugin::Factory<DatasetSampler>(*setup.registry)
                  .create(o.sampler, parse_json_object(o.sampler_config, "--sampler-config"));
    sampler->bind({data.entries.size(), data.weights, data.sources, o.random_seed});
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
  PhaseHookRegistry hooks;
  auto loaded_hooks = load_phase_hooks(*setup.registry, o.phase_hooks, hooks);

  std::filesystem::path artifacts = o.artifact_dir.empty()
                                        ? std::filesystem::path("artifacts") / o.run_name()
                                        : std::filesystem::path(o.artifact_dir);
  std::error_code ec;
  std::filesystem::create_directories(artifacts, ec);
  if (ec) {
    fmt::print(stderr, "error: cannot create artifact directory {}: {}\n", artifacts.string(), ec.message());
    return 2;
  }

  bool stops_itself = strategy_name == "fixed_schedule" || !o.timing_strategy.empty();
  auto phases = o.phases(data.entries.size(), stops_itself);
  uint64_t max_in_flight = o.concurrency.value_or(o.request_rate || stops_itself ? 4096 : 1);
  transport::ClientOptions client_options;
  client_options.host = url->host;
  client_options.port = url->port;
  client_options.max_connections = static_cast<std::size_t>(max_in_flight);
  client_options.request_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(o.request_timeout_seconds * 1000));

  std::unique_ptr<engine::Benchmark> benchmark;
  SignalWatcher signals([&benchmark] {
    if (benchmark) benchmark->interrupt();
  });
  transport::HttpClient client(client_options);

  exporting::AtomicAppendFile records(artifacts / "profile_export.jsonl");
  exporting::ErrorSummary errors;
  uint64_t good_requests = 0;
  const int64_t start_wall = wall_ns();
  const int64_t wall_offset = start_wall - transport::now_ns();  // records are monotonic, exports wall-clock
  std::string write_error;

  benchmark = std::make_unique<engine::Benchmark>(engine::BenchmarkInputs{
      client, *url, *endpoint, *sampler, data.entries,
      engine::RequestDefaults{o.model, o.streaming, "aiperf-" + random_run_token()}, hooks,
      [&, name = strategy_name, config = strategy_config](const engine::PhasePlan&) {
        return plugin::Factory<TimingStrategy>(*setup.registry).create(name, config);
      },
      [&](const engine::PhasePlan& plan, const engine::FinishedRequest& done,
          const metrics::RequestMetrics& m, bool cancelled) {
        if (plan.name != "profiling") return;  // warmup is summarised, not recorded per request
        if (done.record.error && !cancelled) errors.add(*done.record.error);
        if (slos && metrics::meets_slos(m, *slos)) ++good_requests;
        exporting::RecordMetadata md{done.session_num, done.record.request_id,
                                     done.record.start_ns + wall_offset, done.record.end_ns + wall_offset,
                                     plan.name, cancelled};
        try {
          records.append(exporting::record_line(md, m));
        } catch (const std::exception& e) {
          if (write_error.empty()) write_error = e.what();
        }
      },
      log_line});

  if (o.ui != "none") {
    fmt::print(stderr, "Profiling {} at {} ({} endpoint{}, {} timing)\n", o.model, o.url, o.endpoint_type,
               o.streaming ? ", streaming" : "", strategy_name);
    schedule_progress(client, *benchmark, ::isatty(STDERR_FILENO) != 0);
  }
  auto outcomes = benchmark->run(phases);
  bool interrupted = benchmark->interrupted();

  exporting::RunInfo info;
  info.was_cancelled = interrupted;
  info.start_time = exporting::iso8601(start_wall);
  info.end_time = exporting::iso8601(wall_ns());
  info.input_config = config::redact_secrets(o.to_json());
  const engine::PhaseOutcome* profiling = nullptr;
  const engine::PhaseOutcome* warmup = nullptr;
  for (const auto& phase : outcomes) {
    (phase.stats.phase == "profiling" ? profiling : warmup) = &phase;
    warn_if_client_lagged(phase, strategy_name != "concurrency");
    if (!phase.strategy_summary.empty()) log_line(phase.stats.phase + ": " + phase.strategy_summary);
  }
  engine::PhaseOutcome empty;  // interrupted during warmup: profiling never started
  empty.stats.phase = "profiling";
  const engine::PhaseOutcome& result = profiling ? *profiling : empty;
  try {
    auto doc = phase_json(result, errors, info);
    if (warmup) {
      exporting::RunInfo warm = info;
      warm.phase = "warmup";
      doc["warmup_metrics"] = exporting::aggregate_json(warmup->metrics, {}, warm);
      doc["warmup_metrics"].erase("input_config");
    }
    if (slos) {
      auto duration = result.metrics.benchmark_duration_ns();
      double good_rate = duration ? static_cast<double>(good_requests) / (static_cast<double>(*duration) / 1e9) : 0;
      int64_t ok = result.metrics.request_count() + result.metrics.error_request_count();
      doc["good_request_count"] = {{"unit", "requests"}, {"avg", good_requests}};
      doc["good_request_fraction"] = {{"unit", "ratio"}, {"avg", ok ? static_cast<double>(good_requests) / ok : 0}};
      doc["goodput"] = {{"unit", "requests/sec"}, {"avg", good_rate}};
    }
    // Provenance: which plugin code this run executed, as the dynamic loader sees it.
    doc["plugins_loaded"] = nlohmann::json::array();
    for (const auto& package : setup.registry->mapped_packages()) {
      doc["plugins_loaded"].push_back({{"package", package->manifest.package},
                                       {"version", package->manifest.version},
                                       {"library", package->manifest.library.string()}});
    }
    records.commit();
    exporting::write_file_atomically(artifacts / "profile_export_aiperf.json", doc.dump(2) + "\n");
    exporting::write_file_atomically(artifacts / "profile_export_aiperf.csv", exporting::aggregate_csv(result.metrics));
  } catch (const std::exception& e) {
    write_error = e.what();
  }

  fmt::print("\n{}", report::console_table(result.metrics, "aiperf | LLM Metrics"));
  if (slos) fmt::print("Good requests (--goodput)   {}\n", good_requests);
  fmt::print("\nArtifacts: {}/\n", artifacts.string());
  int exit_code = 0;
  if (!write_error.empty()) {
    fmt::print(stderr, "error: writing exports failed: {}\n", write_error);
    exit_code = 1;
  }
  for (const auto& phase : outcomes) {
    if (!phase.stop_reason.empty()) {
      fmt::print(stderr, "error: the {} phase stopped early: {}\n", phase.stats.phase, phase.stop_reason);
      exit_code = 1;
    }
  }
  int64_t finished = result.metrics.request_count() + result.metrics.error_request_count();
  double failed = finished ? static_cast<double>(result.metrics.error_request_count()) / static_cast<double>(finished) : 0;
  if (finished == 0 && !interrupted) {
    fmt::print(stderr, "error: no request finished\n");
    exit_code = 1;
  } else if (failed > o.max_error_rate) {
    fmt::print(stderr, "error: {} of {} requests failed ({:.1f}%), above --max-error-rate {} (see error_summary in {})\n",
               result.metrics.error_request_count(), finished, failed * 100, o.max_error_rate,
               (artifacts / "profile_export_aiperf.json").string());
    exit_code = 1;
  }
  if (interrupted) {
    fmt::print(stderr, "interrupted: results above cover what finished before the interruption\n");
    exit_code = 130;
  }
  // A hook that hung still has a thread running its code: leave the hooks alive then.
  if (hooks.hung()) {
    for (auto& hook : loaded_hooks) (void)hook.release();
  }
  return exit_code;
}

}  // namespace

void add_profile_command(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto o = std::make_shared<ProfileOptions>();
  auto* cmd = app.add_subcommand("profile", "Benchmark an inference server");
  auto group = [&](const char* name) { return cmd->add_option_group(name); };
  auto* ep = group("Endpoint");
  ep->add_option("-m,--model", o->model, "Model name sent in requests (required here or in --config)");
  ep->add_option("-u,--url", o->url, "Server URL (http://host:port[/base])")->capture_default_str();
  ep->add_option("--endpoint-type", o->endpoint_type, "chat, completions, embeddings, or a plugin's endpoint")
      ->capture_default_str();
  ep->add_option("--endpoint", o->custom_endpoint, "Custom API path, e.g. /v1/my/chat");
  ep->add_option("--endpoint-config", o->endpoint_config, "JSON object passed to the endpoint");
  ep->add_flag("--streaming", o->streaming, "Stream responses (needed for TTFT and ITL)");
  ep->add_option("--request-timeout-seconds", o->request_timeout_seconds, "Per-request timeout")->capture_default_str();
  ep->add_option("--api-key", o->api_key, "Sent as Authorization: Bearer KEY (never logged or exported)");
  ep->add_option("-H,--header", o->headers, "Extra header Name:Value (repeatable)");
  ep->add_option("--extra-inputs", o->extra_inputs, "Extra body field key:value (repeatable; JSON values allowed)");

  auto* load = group("Load");
  load->add_option("--concurrency", o->concurrency, "Requests in flight (default 1); with --request-rate, a ceiling");
  load->add_option("--request-rate", o->request_rate, "Open loop: requests per second");
  load->add_option("--arrival-pattern", o->arrival_pattern, "constant, poisson or gamma")->capture_default_str();
  load->add_option("--arrival-smoothness", o->arrival_smoothness, "Gamma shape (1 = Poisson)")->capture_default_str();
  load->add_flag("--fixed-schedule", o->fixed_schedule, "Send at the input file's timestamps (automatic for traces)");
  load->add_option("--fixed-schedule-start-offset", o->fixed_schedule_start_offset_ms, "Trace start, ms");
  load->add_option("--fixed-schedule-end-offset", o->fixed_schedule_end_offset_ms, "Trace end, ms");
  load->add_option("--timing-strategy", o->timing_strategy, "A timing_strategy implementation (e.g. a plugin's)");
  load->add_option("--timing-config", o->timing_config, "JSON object passed to --timing-strategy");

  auto* phases = group("Phases");
  phases->add_option("--request-count,--num-requests", o->request_count, "Requests to send");
  phases->add_option("--benchmark-duration", o->benchmark_duration, "Seconds to send for");
  phases->add_option("--benchmark-grace-period", o->benchmark_grace_period,
                     "Seconds to wait for in-flight requests at the end or on Ctrl-C")->capture_default_str();
  phases->add_option("--warmup-request-count", o->warmup_request_count, "Warmup requests (not in the results)");
  phases->add_option("--warmup-duration", o->warmup_duration, "Warmup seconds (not in the results)");

  auto* input = group("Input");
  input->add_option("--input-file", o->input_files, "JSONL prompts or mooncake trace (repeatable)");
  input->add_option("--isl,--synthetic-input-tokens-mean", o->isl, "Prompt length in words (≈ tokens)")->capture_default_str();
  input->add_option("--isl-stddev,--synthetic-input-tokens-stddev", o->isl_stddev, "Prompt length stddev")->capture_default_str();
  input->add_option("--osl,--output-tokens-mean", o->osl, "max_tokens requested (default: unset)");
  input->add_option("--osl-stddev,--output-tokens-stddev", o->osl_stddev, "max_tokens stddev")->capture_default_str();
  input->add_option("--random-seed", o->random_seed, "Seed for prompts, arrivals and sampling")->capture_default_str();
  input->add_option("--num-dataset-entries", o->num_dataset_entries, "Distinct synthetic prompts")->capture_default_str();
  input->add_option("--dataset-sampling-strategy", o->sampler, "sequential, random, shuffle, or a plugin's")
      ->capture_default_str();
  input->add_option("--sampler-config", o->sampler_config, "JSON object passed to the sampler");

  cmd->add_option_function<std::string>(
         "--config",
         [o](const std::string& path) {
           // Runs as soon as the flag is parsed, before the other flags are stored: flags win.
           auto errors = config::apply_config_file(path, *o);
           o->config_errors.insert(o->config_errors.end(), errors.begin(), errors.end());
         },
         "benchmark.yaml: every option as a config key (flags override it)")
      ->trigger_on_parse();

  auto* out = group("Output");
  out->add_option("--phase-hook", o->phase_hooks, "Phase hook NAME or NAME={json config} (repeatable)");
  out->add_option("--goodput", o->goodput, "SLOs, e.g. \"time_to_first_token:50 inter_token_latency:10\"");
  out->add_option("--artifact-dir", o->artifact_dir, "Where exports go (default: artifacts/<run name>)");
  out->add_option("--max-error-rate", o->max_error_rate, "Fraction of failed requests tolerated (0 to 1)")
      ->capture_default_str();
  out->add_option("--ui", o->ui, "simple (progress) or none")->capture_default_str();
  cmd->callback([&, o] { exit_code = run_profile(options, *o); });
}

}  // namespace aiperf::cli
