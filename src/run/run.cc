#include "run/run.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>

#include "base/fatal_signal.h"
#include "export/artifacts.h"
#include "export/collector_export.h"
#include "config/option_table.h"
#include "export/console_table.h"
#include "hooks/hook_host_client.h"
#include "plugin/factory.h"
#include "report/report.h"
#include "endpoints/in_place_parsing.h"
#include "engine/local_exchange.h"
#include "run/rank_exchange.h"
#include "run/signal_watcher.h"

namespace aiperf::run {
namespace {

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void log_line(const std::string& line) { fmt::print(stderr, "{}\n", line); }

std::string random_run_token() {
  std::random_device device;
  return fmt::format("{:08x}", device());
}

// Progress while a phase runs: one rewritten line on a terminal, a line every 5 s otherwise. With
// several event loops, the sum of what each last published (the lead's loop prints it).
void schedule_progress(transport::HttpClient& client, std::vector<const engine::Benchmark*> loops,
                       const std::vector<engine::PhasePlan>& phases, bool tty) {
  client.run_at(transport::now_ns() + (tty ? 500'000'000 : 5'000'000'000), [&client, loops, &phases, tty] {
    const engine::PhaseProgress& lead = loops.front()->progress();
    if (loops.front()->current() == nullptr) {  // the run is over
      if (tty) fmt::print(stderr, "\r\033[K");
      return;
    }
    if (!lead.running) {
      if (tty) fmt::print(stderr, "\r\033[K");
    } else {
      uint64_t completed = 0, failed = 0, in_flight = 0, count = 0;
      for (const auto* loop : loops) {
        const auto& p = loop->progress();
        completed += p.completed, failed += p.failed, in_flight += p.in_flight, count += p.request_count;
      }
      const double elapsed = static_cast<double>(transport::now_ns() - lead.start_ns) / 1e9;
      const std::string total = count ? fmt::format("/{}", count) : "";
      fmt::print(stderr, "{}[{}] {}{} done, {} in flight, {} failed, {:.1f} req/s, {:.0f} s{}", tty ? "\r\033[K" : "",
                 phases[lead.phase_index].name, completed, total, in_flight, failed,
                 elapsed > 0 ? static_cast<double>(completed) / elapsed : 0.0, elapsed, tty ? "" : "\n");
    }
    schedule_progress(client, loops, phases, tty);
  });
}

// Warns when aiperf itself was the bottleneck: late sends (open-loop schedules only:
// a closed loop has no schedule to miss) or a saturated CPU.
void warn_if_client_lagged(const engine::PhaseOutcome& phase, bool open_loop, int loops) {
  if (auto lag = phase.metrics.result(metrics::MetricId::kScheduleLag); open_loop && lag && lag->stats && lag->stats->p99 > 10) {
    log_line(fmt::format("warning: {} sends were late (schedule lag p99 {:.1f} ms): the client could "
                         "not keep up, so latencies may hide coordinated omission",
                         phase.stats.phase, lag->stats->p99));
  }
  if (auto lag = phase.transport.lag_warning()) log_line(fmt::format("warning: {}: receive lag: {}", phase.stats.phase, *lag));
  // Each event loop is one thread: the client saturates when its loops use most of a core each.
  const double cores = phase.stats.duration_sec > 0 ? phase.client_cpu_seconds / phase.stats.duration_sec : 0;
  if (phase.stats.duration_sec > 1 && cores > 0.9 * loops) {
    log_line(fmt::format("warning: aiperf used {:.0f}% of a core{} during {}: results may be limited by the client",
                         100 * cores, loops > 1 ? fmt::format(" (with {} event loops)", loops) : "", phase.stats.phase));
  }
}

// Which plugin code this run executed: libraries mapped here, and those loaded by hook hosts.
nlohmann::json plugins_loaded(const RunPlan& plan) {
  auto out = nlohmann::json::array();
  for (const auto& package : plan.plugins.registry->mapped_packages()) {
    out.push_back({{"package", package->manifest.package},
                   {"version", package->manifest.version},
                   {"library", package->manifest.library.string()}});
  }
  for (auto& package : hooks::isolated_packages(plan.loaded_hooks)) out.push_back(std::move(package));
  return out;
}

// Tells the fatal-signal handler which mapped code belongs to which plugin package.
void note_plugin_libraries(const plugin::PluginRegistry& registry) {
  std::vector<crash::PluginLibraryInfo> libraries;
  for (const auto& package : registry.mapped_packages()) {
    const auto& library = package->manifest.library;
    libraries.push_back({library.is_absolute() ? library : package->manifest.path.parent_path() / library,
                         package->manifest.package});
  }
  crash::note_loaded_libraries(libraries);
}

// The collectors' outcomes of one phase; their problems and warnings are printed once, here.
std::vector<collectors::CollectorOutcome> collector_outcomes(const RunPlan& plan, const std::string& phase) {
  std::vector<collectors::CollectorOutcome> out;
  for (const auto& o : plan.collectors->outcomes()) {
    if (o.phase == phase) out.push_back(o);
  }
  return out;
}

void report_collectors(const RunPlan& plan) {
  for (const auto& o : plan.collectors->outcomes()) {
    for (const auto& p : o.problems) log_line(fmt::format("warning: collector '{}' ({}): {}", o.name, o.phase, p));
    if (!o.result) continue;
    for (const auto& w : o.result->warnings) log_line(fmt::format("warning: collector '{}' ({}): {}", o.name, o.phase, w));
  }
}

// The run's tokenizer as the engine's output-token counter (none without a tokenizer: estimates).
std::function<int64_t(std::string_view)> client_token_counter(const RunPlan& plan) {
  if (!plan.tokenizer) return {};
  return [tok = plan.tokenizer](std::string_view text) {
    return static_cast<int64_t>(tok->count(text, {.add_special_tokens = false, .parse_special = true}));
  };
}

// A split run's per-part client health, as the JSON export's "ranks" or "workers" (null for one part).
nlohmann::json parts_json(const std::vector<engine::PartHealth>& parts) {
  if (parts.empty()) return nullptr;
  auto out = nlohmann::json::array();
  for (const auto& p : parts) {
    out.push_back({{"rank", p.rank}, {"host", p.host}, {"requests_sent", p.sent}, {"succeeded", p.succeeded},
                   {"failed", p.failed}, {"cancelled", p.cancelled}, {"client_cpu_seconds", p.cpu_seconds},
                   {"duration_s", p.duration_s},
                   {"schedule_lag_p99_ms", p.schedule_lag_p99_ms ? nlohmann::json(*p.schedule_lag_p99_ms) : nullptr},
                   {"max_read_lateness_ms", static_cast<double>(p.max_read_lateness_ns) / 1e6},
                   {"stop_reason", p.stop_reason}});
  }
  return out;
}

exporting::PhaseArtifacts phase_artifacts(const engine::PhaseOutcome& phase, bool workers) {
  exporting::PhaseArtifacts out;
  out.metrics = &phase.metrics;
  out.results = &phase.results;
  out.cancelled = phase.cancelled;
  out.strategy_summary = phase.strategy_summary;
  out.planned_cancellations = phase.planned_cancellations;
  out.transport = &phase.transport;
  out.by_url = &phase.by_url;
  (workers ? out.workers : out.ranks) = parts_json(phase.parts);
  return out;
}

// When the exports are written: the phases' outcomes and the run's state then.
struct ExportMoment {
  const engine::PhaseOutcome& profiling;
  const engine::PhaseOutcome* warmup;
  bool interrupted;
  int64_t start_wall_ns, end_wall_ns;
  std::optional<int64_t> phase_start_ns;  ///< The profiling schedule's start (now_ns clock), when known.
};

// Collectors stamp samples with the system clock, the JSONL with now_ns() plus one offset taken
// at the run start: shift the samples onto the JSONL's clock so both share one time axis.
void to_jsonl_clock(std::vector<collectors::CollectorOutcome>& outcomes, int64_t wall_offset_ns) {
  const int64_t shift = transport::now_ns() + wall_offset_ns - wall_ns();  // the two clocks read together
  for (auto& o : outcomes) {
    if (!o.result) continue;
    for (auto& series : o.result->series) {
      for (auto& point : series.points) point.first += shift;
    }
    if (o.result->document.is_object()) o.result->document["timestamp_shift_ns"] = shift;
  }
}

// Exports of the run; every failure is one Error.
std::vector<Error> write_exports(const RunPlan& plan, RunSink& sink, const ExportMoment& at) {
  exporting::ArtifactSet set;
  set.dir = plan.artifact_dir;
  set.profiling = phase_artifacts(at.profiling, plan.workers > 1);
  if (at.warmup) set.warmup = phase_artifacts(*at.warmup, plan.workers > 1);
  set.errors = &sink.errors();
  set.info.was_cancelled = at.interrupted;
  set.info.start_time = exporting::iso8601(at.start_wall_ns);
  set.info.end_time = exporting::iso8601(at.end_wall_ns);
  set.info.input_config = plan.input_config;
  if (sink.counts_goodput()) set.good_requests = sink.good_requests();
  set.implausible_usage = sink.implausible_usage();
  set.malformed_server_timing = sink.malformed_server_timing();
  set.plugins_loaded = plugins_loaded(plan);
  set.by_class = &sink.by_class();
  set.timeslices = sink.timeslices();
  if (at.phase_start_ns) set.profiling_start_ns = *at.phase_start_ns + sink.wall_offset_ns();
  set.conversations = &sink.conversations();
  auto errors = exporting::write_artifacts(set);
  auto collected = collector_outcomes(plan, "profiling");
  to_jsonl_clock(collected, sink.wall_offset_ns());
  for (auto& e : exporting::write_collector_artifacts(plan.artifact_dir, collected)) errors.push_back(std::move(e));
  if (auto jsonl = sink.commit()) errors.insert(errors.begin(), *jsonl);
  return errors;
}

// The exit code of a finished run, with one line per reason it is not 0.
int judge(const RunPlan& plan, const RunResult& result, const engine::PhaseOutcome& profiling,
          const std::vector<Error>& write_errors) {
  int code = 0;
  for (const auto& e : write_errors) fmt::print(stderr, "error: writing exports failed: {}\n", e.describe());
  if (!write_errors.empty()) code = 1;
  for (const auto& phase : result.outcomes) {
    if (phase.stop_reason.empty()) continue;
    fmt::print(stderr, "error: the {} phase stopped early: {}\n", phase.stats.phase, phase.stop_reason);
    code = 1;
  }
  const auto& m = profiling.metrics;
  int64_t finished = m.request_count() + m.error_request_count();
  double failed = finished ? static_cast<double>(m.error_request_count()) / static_cast<double>(finished) : 0;
  if (finished == 0 && !result.interrupted) {
    fmt::print(stderr, "error: no request finished\n");
    code = 1;
  } else if (failed > plan.options.max_error_rate) {
    fmt::print(stderr, "error: {} of {} requests failed ({:.1f}%), above --max-error-rate {} (see error_summary in {})\n",
               m.error_request_count(), finished, failed * 100, plan.options.max_error_rate,
               (plan.artifact_dir / "profile_export_aiperf.json").string());
    code = 1;
  }
  if (result.interrupted) {
    fmt::print(stderr, "interrupted: results above cover what finished before the interruption\n");
    code = 130;
  }
  return code;
}

// Reports and exports a finished run; returns its exit code.
int finish(RunPlan& plan, RunSink& sink, const RunResult& result) {
  const engine::PhaseOutcome* profiling = nullptr;
  const engine::PhaseOutcome* warmup = nullptr;
  for (const auto& phase : result.outcomes) {
    (phase.stats.phase == "profiling" ? profiling : warmup) = &phase;
    warn_if_client_lagged(phase, plan.strategy.open_loop, plan.workers);
    if (!phase.strategy_summary.empty()) log_line(phase.stats.phase + ": " + phase.strategy_summary);
  }
  engine::PhaseOutcome empty;  // interrupted during warmup: profiling never started
  empty.stats.phase = "profiling";
  const engine::PhaseOutcome& shown = profiling ? *profiling : empty;
  auto write_errors = result.export_errors ? *result.export_errors
                                           : write_exports(plan, sink, {shown, warmup, result.interrupted,
                                                                        result.start_wall_ns, result.end_wall_ns, {}});
  if (auto n = sink.implausible_usage()) {
    log_line(fmt::format("warning: {} response(s) reported token usage that is not a plausible count (negative, "
                         "fractional, not a number, or above 2^31 - 1): it was ignored and the client's count used "
                         "(implausible_usage and token_count_sources in the JSON export)", n));
  }
  if (const auto* slices = sink.timeslices(); slices && slices->unsliced() > 0) {
    log_line(fmt::format("warning: --slice-duration: {} request(s) sent after the first {} slices are in the totals "
                         "but in no slice (timeslices_unsliced_requests); use longer slices",
                         slices->unsliced(), exporting::kMaxTimeslices));
  }
  if (auto n = sink.malformed_server_timing()) {
    log_line(fmt::format("warning: {} response(s) carried a malformed Server-Timing value: it was ignored "
                         "(malformed_server_timing in the JSON export)", n));
  }
  fmt::print("\n{}", exporting::console_table(shown.metrics, shown.results, "aiperf | LLM Metrics"));
  fmt::print("{}", sink.conversations().console_lines());  // multi-turn runs only
  if (sink.counts_goodput()) fmt::print("Good requests (--goodput)   {}\n", sink.good_requests());
  if (shown.planned_cancellations > 0) {
    fmt::print("Cancelled on purpose (--request-cancellation-rate, not in the metrics)   {}\n", shown.planned_cancellations);
  }
  if (shown.transport.retried > 0) {
    fmt::print("Retried after a stale keep-alive connection   {}\n", shown.transport.retried);
  }
  for (const auto& p : shown.parts) {
    fmt::print("{} {} ({}): {} sent, {} failed, client CPU {:.2f} s{}\n", plan.workers > 1 ? "Worker" : "Rank", p.rank, p.host, p.sent, p.failed,
               p.cpu_seconds, p.schedule_lag_p99_ms ? fmt::format(", schedule lag p99 {:.3f} ms", *p.schedule_lag_p99_ms) : "");
  }
  report_collectors(plan);
  if (auto table = exporting::collector_console_table(collector_outcomes(plan, "profiling")); !table.empty()) {
    fmt::print("\n{}", table);
  }
  fmt::print("\nArtifacts: {}/\n", plan.artifact_dir.string());
  int code = judge(plan, result, shown, write_errors);
  if (plan.options.plot && write_errors.empty()) {
    const auto html = plan.artifact_dir / "report.html";
    if (auto e = report::write_report({plan.artifact_dir}, html)) {
      fmt::print(stderr, "error: --plot: {}\n", e->describe());
      if (code == 0) code = 1;
    } else {
      fmt::print("Report: {}\n", html.string());
    }
  }
  return code;
}

// Warmup's ramp in seconds: its own flag, else the profiling phase's (AIPerf inherits it).
double warmup_ramp_seconds(const config::ProfileOptions& o) {
  if (o.request_rate) return o.warmup_request_rate_ramp_duration.value_or(o.request_rate_ramp_duration);
  return o.warmup_concurrency_ramp_duration.value_or(o.concurrency_ramp_duration);
}


// What every request of the run shares; `token` makes its request ids unique ("aiperf-<token>-<n>").
engine::RequestDefaults request_defaults(const RunPlan& plan, const std::string& token, distributed::Segment part) {
  const auto& o = plan.options;
  engine::RequestDefaults d{o.model, o.streaming, "aiperf-" + token, plan.more_urls,
                            o.url_strategy == "random", o.request_cancellation_rate / 100,
                            static_cast<int64_t>(o.request_cancellation_delay * 1e9), o.random_seed,
                            !o.use_server_token_count};
  d.ramp_ns = static_cast<int64_t>((o.request_rate ? o.request_rate_ramp_duration : o.concurrency_ramp_duration) * 1e9);
  if (o.user_centric_rate) d.turn_gap_ns = static_cast<int64_t>(static_cast<double>(o.num_users) / *o.user_centric_rate * 1e9);
  d.segment = part;
  d.open_loop = plan.strategy.open_loop;
  return d;
}

// A fresh timing strategy per phase; warmup gets its own ramp.
std::function<std::unique_ptr<TimingStrategy>(const engine::PhasePlan&)> strategy_maker(const RunPlan& plan,
                                                                                         StrategyChoice strategy) {
  return [&registry = *plan.plugins.registry, strategy = std::move(strategy),
          warmup_ramp_s = warmup_ramp_seconds(plan.options)](const engine::PhasePlan& phase) {
    static std::mutex creating;  // workers start their phases together; the registry loads plugins lazily
    std::lock_guard lock(creating);
    auto config = strategy.config;  // the profiling ramp; warmup has its own (AIPerf's --warmup-*-ramp-duration)
    const bool builtin = strategy.name == "concurrency" || strategy.name == "request_rate";
    if (builtin && phase.name != "profiling" && config.is_object()) {
      config.erase("ramp_duration_s");
      if (warmup_ramp_s > 0) config["ramp_duration_s"] = warmup_ramp_s;
    }
    auto created = plugin::Factory<TimingStrategy>(registry).create(strategy.name, config);
    note_plugin_libraries(registry);  // a strategy's library is loaded on first use
    return created;
  };
}

}  // namespace

namespace {

// One event loop of the run: its share of the plan, its client, its own endpoint and sampler (plugins need
// not be thread-safe), and the benchmark driving it. The lead loop (worker 0) uses the plan's own.
struct Loop {
  PartPlan part;
  std::unique_ptr<transport::HttpClient> client;
  std::unique_ptr<Endpoint> endpoint;
  std::unique_ptr<DatasetSampler> sampler;
  std::unique_ptr<hooks::PhaseHookRegistry> hooks;  // the other workers': none (hooks run on the lead)
  std::unique_ptr<engine::LocalExchange> exchange;
  std::unique_ptr<engine::Benchmark> benchmark;
};

Expected<std::unique_ptr<Loop>> make_loop(const RunPlan& plan, int index,
                                          const std::shared_ptr<engine::LocalRendezvous>& rendezvous) {
  auto loop = std::make_unique<Loop>();
  // One loop runs the process's share as it is (under mpirun, the plan is already this rank's).
  loop->part = rendezvous ? plan_part(plan, *distributed::Segment::make(index, rendezvous->workers()))
                          : PartPlan{plan.part, plan.phases, plan.strategy, plan.client};
  loop->client = std::make_unique<transport::HttpClient>(loop->part.client);
  if (auto e = loop->client->setup_error()) return fail(make_error(ErrorCode::kInvalidArgument, e->message).about("--url"));
  if (rendezvous) loop->exchange = std::make_unique<engine::LocalExchange>(rendezvous, index);
  if (index == 0) return loop;
  auto endpoint = make_endpoint(plan);
  if (!endpoint) return fail(endpoint.error());
  auto sampler = make_sampler(plan);
  if (!sampler) return fail(sampler.error());
  loop->endpoint = std::move(*endpoint), loop->sampler = std::move(*sampler);
  loop->hooks = std::make_unique<hooks::PhaseHookRegistry>();
  return loop;
}

// The lead loop records every request (its own and, at each phase end, the other parts') and exports.
void connect_lead(engine::BenchmarkInputs& inputs, RunPlan& plan, RunSink* sink, RunResult& result,
                  const std::unique_ptr<engine::Benchmark>& benchmark) {
  inputs.on_request = [sink, &benchmark](const engine::PhasePlan& phase, const engine::FinishedRequest& done, bool cancelled) {
    sink->add(phase, done, cancelled);
    if (const auto* runner = benchmark->current()) sink->add_to_timeslice(phase, done, cancelled, runner->start_ns());
  };
  // The summaries are written before the profiling complete hooks: a hook that hangs
  // or crashes there loses nothing.
  inputs.on_phase_end = [&plan, sink, &result, &benchmark](std::vector<engine::PhaseOutcome>& outcomes) {
    plan.collectors->stop_phase(outcomes.back().stats);  // their results are part of the exports
    // ... and of what the phase-complete hooks see (Prometheus, Datadog forward them).
    outcomes.back().stats.server_metrics = plan.collectors->summaries(outcomes.back().stats.phase);
    if (outcomes.back().stats.phase != "profiling") return;
    const engine::PhaseOutcome* warmup = outcomes.size() > 1 ? &outcomes.front() : nullptr;
    result.export_errors = write_exports(plan, *sink, {outcomes.back(), warmup, benchmark->interrupted(),
                                                       result.start_wall_ns, wall_ns(), benchmark->current()->start_ns()});
  };
  inputs.on_payload = [sink](const engine::PhasePlan& phase, std::string_view id, std::string_view body) {
    sink->add_payload(phase, id, body);
  };
  inputs.on_tick = [sink] { sink->flush(); };  // a kill -9 loses at most the last tick's records
}

void make_benchmark(Loop& loop, RunPlan& plan, const std::string& token, engine::PhaseExchange* exchange,
                    RunSink* sink, RunResult& result) {
  engine::BenchmarkInputs inputs{*loop.client, plan.url, loop.endpoint ? *loop.endpoint : *plan.endpoint,
                                 loop.sampler ? *loop.sampler : *plan.sampler, plan.data.entries,
                                 request_defaults(plan, token, loop.part.part), loop.hooks ? *loop.hooks : *plan.hooks,
                                 strategy_maker(plan, loop.part.strategy), {}, log_line, loop.part.client.max_connections,
                                 {}, client_token_counter(plan), {}, exchange};
  if (sink) connect_lead(inputs, plan, sink, result, loop.benchmark);
  loop.benchmark = std::make_unique<engine::Benchmark>(std::move(inputs));
}

}  // namespace

RunResult execute(RunPlan& plan, RunSink* sink, RankExchange* ranks) {
  const auto& o = plan.options;
  RunResult result;
  std::vector<std::unique_ptr<Loop>> loops;
  // First, so that every thread from here on (workers, token counters) leaves Ctrl-C to the watcher.
  std::mutex started;  // the watcher's thread against the benchmarks being made
  bool interrupted = false;
  SignalWatcher signals([&] {
    std::lock_guard lock(started);
    interrupted = true;
    for (auto& loop : loops) {
      if (loop->benchmark) loop->benchmark->interrupt();
    }
  });
  auto rendezvous = plan.workers > 1 ? std::make_shared<engine::LocalRendezvous>(plan.workers) : nullptr;
  for (int w = 0; w < plan.workers && !result.setup_error; ++w) {
    auto loop = make_loop(plan, w, rendezvous);
    std::lock_guard lock(started);
    if (loop) loops.push_back(std::move(*loop));
    else result.setup_error = loop.error();
  }
  if (ranks && !ranks->all_go_on(!result.setup_error) && !result.setup_error) {
    result.setup_error = make_error(ErrorCode::kInvalidArgument, "another part of the run (rank or worker) could not set up its HTTP client");
  }
  if (result.setup_error) return result;
  result.start_wall_ns = wall_ns();
  const std::string token = ranks ? ranks->lead_value(random_run_token()) : random_run_token();
  for (auto& loop : loops) {
    engine::PhaseExchange* exchange = ranks;
    if (loop->exchange) exchange = loop->exchange.get();
    std::lock_guard lock(started);
    make_benchmark(*loop, plan, token, exchange, loop == loops.front() ? sink : nullptr, result);
    if (interrupted) loop->benchmark->interrupt();
  }
  engine::Benchmark& lead = *loops.front()->benchmark;
  if (o.ui != config::UiMode::kNone) {
    fmt::print(stderr, "Profiling {} at {} ({} endpoint{}, {} timing{}{})\n", o.model, o.url, o.endpoint_type,
               o.streaming ? ", streaming" : "", plan.strategy.name,
               plan.part.whole() ? "" : fmt::format(", {} MPI ranks; progress shows rank 0's share", plan.part.count()),
               plan.workers > 1 ? fmt::format(", {} event loops", plan.workers) : "");
    std::vector<const engine::Benchmark*> all;
    for (const auto& loop : loops) all.push_back(loop->benchmark.get());
    schedule_progress(*loops.front()->client, std::move(all), loops.front()->part.phases, ::isatty(STDERR_FILENO) != 0);
  }
  std::vector<std::thread> workers;
  for (std::size_t w = 1; w < loops.size(); ++w) {
    workers.emplace_back([&loop = *loops[w]] { (void)loop.benchmark->run(loop.part.phases); });
  }
  result.outcomes = lead.run(loops.front()->part.phases);
  for (auto& worker : workers) worker.join();
  result.interrupted = lead.interrupted();
  result.end_wall_ns = wall_ns();
  return result;
}

namespace {

// Under mpirun: every rank resolved the same run, or none goes on (each rank says why; exit 2).
bool ranks_agree(distributed::World& world, const tl::expected<RunPlan, std::vector<Error>>& plan) {
  if (!world.all_true(plan.has_value())) {
    if (plan) fmt::print(stderr, "error: rank {}: another rank's checks failed (its errors are above)\n", world.rank());
    return false;
  }
  auto config = plan->input_config;
  config["endpoint"].erase("source_address");  // may differ per rank (mpirun's MPMD form)
  if (!world.all_agree(std::hash<std::string>{}(config.dump()))) {
    fmt::print(stderr, "error: rank {}: the ranks were given different options: every rank must run the same "
                       "aiperf profile command\n", world.rank());
    return false;
  }
  return true;
}

// A rank other than 0 has sent its requests to rank 0, which prints and exports the run.
int finish_as_helper_rank(const RunPlan& plan, const RunResult& result) {
  int code = result.interrupted ? 130 : 0;
  for (const auto& phase : result.outcomes) {
    if (phase.stop_reason.empty()) continue;
    fmt::print(stderr, "error: rank {}: the {} phase stopped early: {}\n", plan.part.index(), phase.stats.phase,
               phase.stop_reason);
    if (code == 0) code = 1;
  }
  return code;
}

// The lead's JSONL sink (null on the other ranks); exits 2 on every rank when the lead cannot open it.
Expected<std::unique_ptr<RunSink>> open_sink(const RunPlan& plan, RankExchange* ranks) {
  std::unique_ptr<RunSink> sink;
  std::optional<Error> problem;
  if (plan.lead()) {
    // Records are stamped on the monotonic clock; exports are wall-clock.
    const int64_t wall_offset = wall_ns() - transport::now_ns();
    SecretScrubber scrubber;
    for (auto& secret : config::secret_values(plan.options)) scrubber.add(std::move(secret));
    auto opened = RunSink::open(plan.artifact_dir / "profile_export.jsonl", plan.options.goodput, wall_offset,
                                std::move(scrubber));
    if (opened) sink = std::move(*opened);
    else problem = opened.error();
  }
  if (ranks && !ranks->all_go_on(!problem) && !problem) {
    problem = make_error(ErrorCode::kIo, "rank 0 could not open its exports");
  }
  if (problem) return fail(std::move(*problem));
  if (sink && dynamic_cast<const endpoints::JsonBodyEndpoint*>(plan.endpoint.get())) sink->trust_json_bodies();
  if (sink && plan.options.slice_duration) sink->enable_timeslices(std::llround(*plan.options.slice_duration * 1e9));
  return sink;
}

}  // namespace

int run_profile(GlobalOptions global, config::ProfileOptions options) {
  // From here a fatal signal in plugin (or aiperf) code is one line and exit 70.
  crash::install_fatal_signal_handler();
  std::unique_ptr<distributed::World> world;  // under mpirun: this process's rank (MPI_Finalize on return)
  if (distributed::launched_by_mpi()) {
    SignalWatcher::block_watched_signals();  // before MPI starts its threads: Ctrl-C is the run's to handle
    auto joined = distributed::World::join();
    if (!joined) {
      fmt::print(stderr, "error: mpirun: {}\n", joined.error().describe());
      return 2;
    }
    world = std::move(*joined);
    if (world->rank() != 0) options.ui = config::UiMode::kNone;  // rank 0 speaks for the run
  }
  auto plan = make_run_plan(std::move(global), std::move(options), world ? world->segment() : distributed::Segment{});
  if (!plan) {
    for (const auto& e : plan.error()) fmt::print(stderr, "error: {}\n", e.describe());
  }
  if (world && !ranks_agree(*world, plan)) return 2;
  if (!plan) return 2;
  std::optional<RankExchange> ranks;
  if (world && world->size() > 1) ranks.emplace(*world);
  RankExchange* exchange = ranks ? &*ranks : nullptr;
  auto sink = open_sink(*plan, exchange);
  if (!sink) {
    fmt::print(stderr, "error: {}\n", sink.error().describe());
    return 2;
  }
  note_plugin_libraries(*plan->plugins.registry);
  auto result = execute(*plan, sink->get(), exchange);
  if (result.setup_error) {
    fmt::print(stderr, "error: {}\n", result.setup_error->describe());
    return 2;
  }
  int code = *sink ? finish(*plan, **sink, result) : finish_as_helper_rank(*plan, result);
  // A hook that hung still has a thread running its code: leave the hooks alive then.
  if (plan->hooks->hung()) {
    for (auto& hook : plan->loaded_hooks) (void)hook.release();
  }
  return code;
}

}  // namespace aiperf::run
