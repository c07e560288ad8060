#include "cli/profile_command.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>

#include "cli/profile_options.h"
#include "dataset/synthetic.h"
#include "engine/phase_runner.h"
#include "export/atomic_file.h"
#include "export/profile_export.h"
#include "plugin/factory.h"
#include "report/console_table.h"
#include "transport/http_client.h"
#include "transport/url.h"

namespace aiperf::cli {
namespace {

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Prints a progress line every second until the phase finishes.
void schedule_progress(transport::HttpClient& client, const engine::PhaseRunner& runner) {
  client.run_at(transport::now_ns() + 1'000'000'000, [&client, &runner] {
    if (runner.finished()) return;
    double elapsed = static_cast<double>(transport::now_ns() - runner.start_ns()) / 1e9;
    fmt::print(stderr, "[{}] {}/{} requests done, {} in flight, {} failed, {:.1f} req/s, {:.0f} s\n",
               runner.phase(), runner.completed(), runner.request_count(), runner.in_flight(),
               runner.failed(), elapsed > 0 ? runner.completed() / elapsed : 0.0, elapsed);
    schedule_progress(client, runner);
  });
}

std::string random_run_token() {
  std::random_device device;
  return fmt::format("{:08x}", device());
}

int run_profile(const GlobalOptions& global, const ProfileOptions& o) {
  auto problems = o.validate();
  auto url = transport::parse_http_url(o.url);
  if (!url) problems.push_back("--url: " + url.error());
  if (!problems.empty()) {
    for (const auto& p : problems) fmt::print(stderr, "error: {}\n", p);
    return 2;
  }

  // Resolve every implementation before any request: a bad name or config stops here.
  auto setup = discover_plugins(global);
  for (const auto& e : setup.report.errors) fmt::print(stderr, "warning: {}\n", e.describe());
  std::unique_ptr<Endpoint> endpoint;
  std::unique_ptr<TimingStrategy> strategy;
  std::unique_ptr<DatasetSampler> sampler;
  try {
    endpoint = plugin::Factory<Endpoint>(*setup.registry).create(o.endpoint_type, o.endpoint_config());
    strategy = plugin::Factory<TimingStrategy>(*setup.registry)
                   .create("concurrency", {{"concurrency", o.concurrency}});
    sampler = plugin::Factory<DatasetSampler>(*setup.registry).create(o.sampler);
  } catch (const plugin::PluginException& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }

  dataset::SyntheticOptions synthetic;
  synthetic.isl_mean = o.isl;
  synthetic.isl_stddev = o.isl_stddev;
  synthetic.osl_mean = o.osl;
  synthetic.osl_stddev = o.osl_stddev;
  synthetic.seed = o.random_seed;
  synthetic.entries = o.num_dataset_entries;
  auto entries = dataset::make_synthetic_dataset(synthetic);
  sampler->bind({entries.size(), {}, o.random_seed});

  std::filesystem::path artifacts = o.artifact_dir.empty()
                                        ? std::filesystem::path("artifacts") / o.run_name()
                                        : std::filesystem::path(o.artifact_dir);
  std::error_code ec;
  std::filesystem::create_directories(artifacts, ec);
  if (ec) {
    fmt::print(stderr, "error: cannot create artifact directory {}: {}\n", artifacts.string(), ec.message());
    return 2;
  }

  transport::ClientOptions client_options;
  client_options.host = url->host;
  client_options.port = url->port;
  client_options.max_connections = o.concurrency;
  client_options.request_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(o.request_timeout_seconds * 1000));
  transport::HttpClient client(client_options);

  exporting::AtomicAppendFile records(artifacts / "profile_export.jsonl");
  metrics::RunMetrics run_metrics;
  exporting::ErrorSummary errors;
  // Records carry monotonic times; exports carry wall-clock ones.
  const int64_t start_wall = wall_ns();
  const int64_t wall_offset = start_wall - transport::now_ns();
  std::string write_error;

  engine::RequestDefaults defaults{o.model, o.streaming, "aiperf-" + random_run_token()};
  engine::PhaseRunner runner(
      {client, *url, *endpoint, *sampler, entries, *strategy}, defaults, "profiling",
      o.request_count,
      [&](engine::FinishedRequest&& done) {
        auto m = metrics::compute_request_metrics(done.record);
        run_metrics.add(m);
        if (done.record.error) errors.add(*done.record.error);
        exporting::RecordMetadata md{done.session_num, done.record.request_id,
                                     done.record.start_ns + wall_offset,
                                     done.record.end_ns + wall_offset, "profiling", false};
        try {
          records.append(exporting::record_line(md, m));
        } catch (const std::exception& e) {
          if (write_error.empty()) write_error = e.what();
        }
      },
      [&] { client.stop(); });

  if (o.ui != "none") {
    fmt::print(stderr, "Profiling {} at {} ({} endpoint{}): {} requests, concurrency {}\n", o.model,
               o.url, o.endpoint_type, o.streaming ? ", streaming" : "", o.request_count, o.concurrency);
    schedule_progress(client, runner);
  }
  client.post([&] { runner.start(); });
  client.run();
  const int64_t end_wall = wall_ns();

  exporting::RunInfo info;
  info.start_time = exporting::iso8601(start_wall);
  info.end_time = exporting::iso8601(end_wall);
  info.input_config = o.to_json();
  info.input_config["cli_command"] = nullptr;  // filled by the caller if wanted
  try {
    records.commit();
    exporting::write_file_atomically(artifacts / "profile_export_aiperf.json",
                                     exporting::aggregate_json(run_metrics, errors, info).dump(2) + "\n");
    exporting::write_file_atomically(artifacts / "profile_export_aiperf.csv",
                                     exporting::aggregate_csv(run_metrics));
  } catch (const std::exception& e) {
    write_error = e.what();
  }

  fmt::print("\n{}", report::console_table(run_metrics, "aiperf | LLM Metrics"));
  fmt::print("\nArtifacts: {}/\n", artifacts.string());
  int exit_code = 0;
  if (!write_error.empty()) {
    fmt::print(stderr, "error: writing exports failed: {}\n", write_error);
    exit_code = 1;
  }
  if (!runner.stop_reason().empty()) {
    fmt::print(stderr, "error: the run stopped early: {}\n", runner.stop_reason());
    exit_code = 1;
  }
  uint64_t total = runner.completed();
  double failed_fraction = total ? static_cast<double>(runner.failed()) / static_cast<double>(total) : 1.0;
  if (failed_fraction > o.max_error_rate) {
    fmt::print(stderr,
               "error: {} of {} requests failed ({:.1f}%), above --max-error-rate {} "
               "(see error_summary in {})\n",
               runner.failed(), total, failed_fraction * 100, o.max_error_rate,
               (artifacts / "profile_export_aiperf.json").string());
    exit_code = 1;
  }
  return exit_code;
}

}  // namespace

void add_profile_command(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto o = std::make_shared<ProfileOptions>();
  auto* cmd = app.add_subcommand("profile", "Benchmark an inference server");
  cmd->add_option("-m,--model", o->model, "Model name sent in requests")->required();
  cmd->add_option("-u,--url", o->url, "Server URL (http://host:port[/base])")->capture_default_str();
  cmd->add_option("--endpoint-type", o->endpoint_type,
                  "Endpoint implementation: chat, completions, embeddings, or a plugin's")
      ->capture_default_str();
  cmd->add_option("--endpoint", o->custom_endpoint, "Custom API path, e.g. /v1/my/chat");
  cmd->add_flag("--streaming", o->streaming, "Stream responses (needed for TTFT and ITL)");
  cmd->add_option("--concurrency", o->concurrency, "Requests in flight")->capture_default_str();
  cmd->add_option("--request-count,--num-requests", o->request_count, "Requests to send")
      ->capture_default_str();
  cmd->add_option("--isl,--synthetic-input-tokens-mean", o->isl, "Prompt length in words (≈ tokens)")
      ->capture_default_str();
  cmd->add_option("--isl-stddev,--synthetic-input-tokens-stddev", o->isl_stddev, "Prompt length stddev")
      ->capture_default_str();
  cmd->add_option("--osl,--output-tokens-mean", o->osl, "max_tokens requested (default: unset)");
  cmd->add_option("--osl-stddev,--output-tokens-stddev", o->osl_stddev, "max_tokens stddev")
      ->capture_default_str();
  cmd->add_option("--random-seed", o->random_seed, "Seed for prompts and sampling")->capture_default_str();
  cmd->add_option("--num-dataset-entries", o->num_dataset_entries, "Distinct synthetic prompts")
      ->capture_default_str();
  cmd->add_option("--dataset-sampling-strategy", o->sampler, "sequential, random, shuffle, or a plugin's")
      ->capture_default_str();
  cmd->add_option("--artifact-dir", o->artifact_dir, "Where exports go (default: artifacts/<run name>)");
  cmd->add_option("--request-timeout-seconds", o->request_timeout_seconds, "Per-request timeout")
      ->capture_default_str();
  cmd->add_option("--max-error-rate", o->max_error_rate,
                  "Fraction of failed requests tolerated before the run fails (0 to 1)")
      ->capture_default_str();
  cmd->add_option("--api-key", o->api_key, "Sent as Authorization: Bearer KEY (never logged)");
  cmd->add_option("-H,--header", o->headers, "Extra header Name:Value (repeatable)");
  cmd->add_option("--extra-inputs", o->extra_inputs, "Extra body field key:value (repeatable; JSON values allowed)");
  cmd->add_option("--ui", o->ui, "simple (progress lines) or none")->capture_default_str();
  cmd->callback([&, o] { exit_code = run_profile(options, *o); });
}

}  // namespace aiperf::cli
