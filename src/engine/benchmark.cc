#include "engine/benchmark.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <utility>

namespace aiperf::engine {
namespace {

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// User+sys CPU of the process, or of the calling thread alone.
double cpu_seconds(int who = RUSAGE_SELF) {
  rusage usage{};
  ::getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The phase's metrics as hooks see them: every distribution metric's summary.
std::vector<MetricSummary> summaries(const std::vector<metrics::MetricResult>& results) {
  std::vector<MetricSummary> out;
  for (const auto& result : results) {
    const auto& info = metrics::metric_info(result.id);
    MetricSummary m;
    m.tag = info.tag;
    m.unit = info.unit;
    if (result.stats) {
      const auto& s = *result.stats;
      m.count = static_cast<uint64_t>(s.count);
      m.avg = s.avg, m.min = s.min, m.max = s.max, m.std = s.std;
      m.p50 = s.p50, m.p90 = s.p90, m.p95 = s.p95, m.p99 = s.p99;
    } else if (result.value) {
      m.count = 1;
      m.avg = m.min = m.max = m.p50 = m.p90 = m.p95 = m.p99 = *result.value;
    }
    out.push_back(std::move(m));
  }
  return out;
}

// The request tallies of `from` added to `into` (exact: the metrics merge as RunMetrics does).
// Moves `from`'s per-request values, so the lead never holds the handed-over ones twice.
void merge_outcome(PhaseOutcome& into, PhaseOutcome&& from) {
  into.metrics.merge(std::move(from.metrics));
  into.transport.merge(from.transport);
  into.cancelled += from.cancelled;
  into.planned_cancellations += from.planned_cancellations;
  for (auto& [url, m] : from.by_url) into.by_url[url].merge(std::move(m));
}

}  // namespace

Benchmark::Benchmark(BenchmarkInputs inputs) : in_(std::move(inputs)) {
  if (in_.count_tokens) counter_ = std::make_unique<metrics::TokenCountWorker>();
}

std::function<void(std::string_view, std::string_view)> Benchmark::payload_observer(std::size_t index) {
  if (in_.exchange && !in_.exchange->lead()) {  // the lead writes inputs.json
    return [this](std::string_view id, std::string_view body) {
      encode_part_payload(id, body, part_items_);
      hand_over_if_full();
    };
  }
  if (!in_.on_payload) return {};
  return [this, index](std::string_view id, std::string_view body) { in_.on_payload(phases_[index], id, body); };
}

// Planned cancellations (--request-cancellation-rate) and requests cut by a stop are counted
// apart from the metrics. A part that is not the lead also keeps (or hands over) each request for it.
void Benchmark::record(std::size_t index, const FinishedRequest& done) {
  const bool was_cancelled = done.record.error && done.record.error->kind == metrics::ErrorKind::kCancelled;
  const bool cancelled = (stopping_ && was_cancelled) || (was_cancelled && done.record.cancel_planned);
  if (in_.exchange && !in_.exchange->lead()) {
    encode_part_request(done, cancelled, part_items_);
    hand_over_if_full();
  }
  tally(index, done, cancelled);
}

// A part that is not the lead hands its requests and bodies over in batches of about
// kHandOverBytes where the exchange can, so that neither it nor the lead holds a phase's
// requests until its end (the lead tallies each batch as it takes it).
void Benchmark::hand_over_if_full() {
  if (part_items_.size() < kHandOverBytes || !in_.exchange->hands_over()) return;
  in_.exchange->hand_over(encode_part_report(PartHealth{}, runner_->start_ns(), part_items_));
  part_items_.clear();
}

// The lead: the other parts' batches so far, tallied into handed_.
void Benchmark::take_handed_over(std::size_t index) {
  for (std::string& batch : in_.exchange->take_handed_over()) {
    auto report = decode_part_report(batch);
    std::string().swap(batch);
    if (!report) {
      PhaseOutcome& outcome = outcomes_.back();
      if (outcome.stop_reason.empty()) outcome.stop_reason = "requests handed over by another part: " + report.error().describe();
      continue;
    }
    merge_requests(index, *report, handed_);
  }
}

// `cancelled`: cut by the phase's end or cancelled on purpose, as record() decided on its part.
void Benchmark::tally_into(PhaseOutcome& current, std::size_t index, const FinishedRequest& done, bool cancelled) {
  const bool planned = cancelled && done.record.cancel_planned;
  current.transport.add(done.record);
  if (planned) {
    ++current.planned_cancellations;
  } else if (cancelled) {
    ++current.cancelled;
  } else {
    current.metrics.add(done.metrics);
    if (!in_.defaults.more_urls.empty()) current.by_url[done.record.url].add(done.metrics);
  }
  if (in_.on_request) in_.on_request(phases_[index], done, cancelled);
}

// A request that needs client token counts waits in a batch for the worker and is recorded when
// the batch comes back. Handing requests over one by one woke the worker and then the loop for
// each: at 4,000 req/s open loop with a tokenizer, 3.9 context switches and 106 µs of CPU per
// request, against 2.1 and 52 µs in batches (docs/performance.md).
void Benchmark::request_finished(std::size_t index, FinishedRequest&& done) {
  const bool cut = done.record.error && done.record.error->kind == metrics::ErrorKind::kCancelled;
  if (cut || !counter_ || !metrics::needs_client_token_count(done.record)) {
    record(index, done);
    return;
  }
  ++pending_counts_;
  if (!to_count_) to_count_ = std::make_shared<std::vector<FinishedRequest>>();
  to_count_->push_back(std::move(done));
  if (to_count_->size() >= kCountBatchMax) return count_batch();
  if (to_count_->size() == 1) {
    in_.client.run_at(transport::now_ns() + kCountBatchDelayNs, [this] { count_batch(); });
  }
}

// Sends the waiting batch (if any) to the worker; its requests are recorded back on the loop. A
// batch is of the running phase: the phase's end sends it at once and waits for it.
void Benchmark::count_batch() {
  if (!to_count_ || to_count_->empty()) return;
  const std::size_t index = phase_index_;
  auto batch = std::move(to_count_);
  counter_->submit([this, index, batch] {
    for (FinishedRequest& request : *batch) {
      metrics::count_client_tokens(request.record, in_.count_tokens);
      request.metrics = metrics::compute_request_metrics(request.record);
    }
    in_.client.post([this, index, batch] {
      for (const FinishedRequest& request : *batch) record(index, request);
      pending_counts_ -= batch->size();
      if (pending_counts_ == 0 && finish_waiting_) finish_phase(index);
    });
  });
}

std::vector<PhaseOutcome> Benchmark::run(const std::vector<PhasePlan>& phases) {
  phases_ = phases;
  in_.client.post([this] { start_phase(0); });
  in_.client.run();
  return std::move(outcomes_);
}

void Benchmark::interrupt() {
  if (interrupted_.exchange(true)) return;
  in_.client.post([this] {
    if (runner_ && !runner_->finished()) {
      in_.log("interrupted: no new requests; waiting for those in flight (Ctrl-C again to quit now)");
      stop_phase({});
    }
  });
}

void Benchmark::report_hook_failures(const std::string& when,
                                     const std::vector<hooks::HookFailure>& failures) {
  for (const auto& f : failures) in_.log("phase hook '" + f.owner + "' failed at " + when + ": " + f.message);
}

void Benchmark::start_phase(std::size_t index) {
  const bool previous_ok = outcomes_.empty() || outcomes_.back().stop_reason.empty();
  // A split run's parts go on together or stop together (each step below is met by all).
  if (!all_go_on(index < phases_.size() && !interrupted_ && previous_ok)) {
    in_.client.stop();
    return;
  }
  phase_index_ = index;
  stopping_ = false;
  const PhasePlan& plan = phases_[index];
  outcomes_.emplace_back();
  PhaseOutcome& outcome = outcomes_.back();
  outcome.stats.phase = plan.name;
  phase_cpu_start_s_ = cpu_seconds();
  phase_thread_cpu_start_s_ = cpu_seconds(RUSAGE_THREAD);
  outcome.stats.start_ns = wall_ns();
  report_hook_failures(plan.name + " start", in_.hooks.fire_phase_start(outcome.stats));

  try {
    strategy_ = in_.make_strategy(plan);
  } catch (const std::exception& e) {
    outcome.stop_reason = std::string("cannot create the timing strategy: ") + e.what();
  }
  if (!all_go_on(strategy_ != nullptr)) {
    if (outcome.stop_reason.empty()) outcome.stop_reason = "another part of the run (rank or worker) could not create its timing strategy";
    in_.client.stop();
    return;
  }
  runner_ = std::make_unique<PhaseRunner>(
      PhaseInputs{in_.client, in_.url, in_.endpoint, in_.sampler, in_.dataset, *strategy_, in_.max_in_flight,
                  payload_observer(index)},
      in_.defaults, plan.name, plan.request_count, plan.whole_request_count,
      [this, index](FinishedRequest&& done) { request_finished(index, std::move(done)); },
      // Finishing tears the runner down: do it after the runner's own call returns,
      // and once every request of the phase is counted.
      [this, index] {
        in_.client.post([this, index] {
          if (pending_counts_ == 0) return finish_phase(index);
          finish_waiting_ = true;
          count_batch();  // the phase waits for nothing else
        });
      });
  runner_->start(in_.exchange ? in_.exchange->agree_phase_start() : 0);
  progress_.phase_index = index;
  progress_.request_count = plan.request_count;
  progress_.start_ns = runner_->start_ns();
  progress_.running = true;
  publish_progress(index);
  if (plan.duration_s) {
    int64_t at = runner_->start_ns() + static_cast<int64_t>(*plan.duration_s * 1e9);
    in_.client.run_at(at, [this, index] {
      if (phase_index_ == index && runner_ && !runner_->finished()) stop_phase({});
    });
  }
}


void Benchmark::stop_phase(const std::string& reason) {
  stopping_ = true;
  std::size_t index = phase_index_;
  runner_->stop_issuing(reason);
  if (runner_->finished()) return;
  double grace = phases_[index].grace_period_s;
  in_.client.run_at(transport::now_ns() + static_cast<int64_t>(grace * 1e9), [this, index, grace] {
    if (phase_index_ == index && runner_ && !runner_->finished()) {
      in_.log("grace period of " + std::to_string(grace) + " s over: cancelling " +
              std::to_string(runner_->in_flight()) + " request(s) still in flight");
      in_.client.cancel_all();
    }
  });
}

// Copies the runner's counts for other threads, every 200 ms while phase `index` runs.
void Benchmark::publish_progress(std::size_t index) {
  if (phase_index_ != index || !runner_) return;
  progress_.completed.store(runner_->completed(), std::memory_order_relaxed);
  progress_.failed.store(runner_->failed(), std::memory_order_relaxed);
  progress_.in_flight.store(runner_->in_flight(), std::memory_order_relaxed);
  if (in_.exchange && in_.exchange->hands_over()) {
    if (in_.exchange->lead()) take_handed_over(index);
    else in_.exchange->move_on();
  }
  if (in_.on_tick) in_.on_tick();
  in_.client.run_at(transport::now_ns() + 200'000'000, [this, index] { publish_progress(index); });
}

void Benchmark::finish_phase(std::size_t index) {
  finish_waiting_ = false;
  progress_.running = false;
  PhaseOutcome& outcome = outcomes_.back();
  outcome.stop_reason = runner_->stop_reason();
  outcome.client_cpu_seconds = cpu_seconds() - phase_cpu_start_s_;
  if (in_.exchange) exchange_phase(index);
  PhaseStats& stats = outcome.stats;
  stats.end_ns = wall_ns();
  stats.duration_sec = static_cast<double>(stats.end_ns - stats.start_ns) / 1e9;
  stats.requests_sent = runner_->issued() + parts_sent_;
  stats.requests_completed = static_cast<uint64_t>(outcome.metrics.request_count());
  stats.requests_failed = static_cast<uint64_t>(outcome.metrics.error_request_count());
  stats.was_cancelled = interrupted_.load();
  outcome.results = outcome.metrics.results();
  stats.metrics = summaries(outcome.results);
  outcome.strategy_summary = strategy_->summary();
  if (in_.on_phase_end) in_.on_phase_end(outcomes_);
  report_hook_failures(stats.phase + " complete", in_.hooks.fire_phase_complete(stats));
  runner_.reset();
  strategy_.reset();
  start_phase(index + 1);
}

PartHealth Benchmark::own_health() const {
  const PhaseOutcome& outcome = outcomes_.back();
  PartHealth h;
  h.rank = in_.exchange ? in_.exchange->segment().index() : 0;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) h.host = host;
  h.sent = runner_->issued();
  h.succeeded = static_cast<uint64_t>(outcome.metrics.request_count());
  h.failed = static_cast<uint64_t>(outcome.metrics.error_request_count());
  h.cancelled = outcome.cancelled + outcome.planned_cancellations;
  const bool threads = in_.exchange && in_.exchange->parts_share_a_process();
  h.cpu_seconds = threads ? cpu_seconds(RUSAGE_THREAD) - phase_thread_cpu_start_s_ : outcome.client_cpu_seconds;
  h.duration_s = static_cast<double>(transport::now_ns() - runner_->start_ns()) / 1e9;
  if (auto lag = outcome.metrics.result(metrics::MetricId::kScheduleLag); lag && lag->stats) {
    h.schedule_lag_p99_ms = lag->stats->p99;
  }
  h.max_read_lateness_ns = outcome.transport.max_read_lateness_ns;
  h.stop_reason = outcome.stop_reason;
  return h;
}

// Every part sends the lead its health and requests; the lead replays them into its outcome.
void Benchmark::exchange_phase(std::size_t index) {
  PartHealth mine = own_health();
  auto reports = in_.exchange->gather(encode_part_report(mine, runner_->start_ns(), part_items_));
  std::string().swap(part_items_);
  parts_sent_ = 0;
  if (!in_.exchange->lead()) return;
  PhaseOutcome& outcome = outcomes_.back();
  outcome.parts.push_back(std::move(mine));
  if (in_.exchange->hands_over()) {  // every batch handed over before the others' gather is queued
    take_handed_over(index);
    merge_outcome(outcome, std::exchange(handed_, PhaseOutcome{}));
  }
  for (std::size_t part = 1; part < reports.size(); ++part) {
    auto report = decode_part_report(reports[part]);
    std::string().swap(reports[part]);
    if (!report) {
      if (outcome.stop_reason.empty()) outcome.stop_reason = "rank " + std::to_string(part) + ": " + report.error().describe();
      continue;
    }
    merge_part(index, std::move(*report));
  }
}

// The requests and bodies of a part's report (a batch, or the rest at its phase end) into `into`.
void Benchmark::merge_requests(std::size_t index, PartReport& report, PhaseOutcome& into) {
  const int64_t shift = runner_->start_ns() - report.phase_start_ns;  // 0 when the parts share a clock
  for (auto& request : report.requests) {
    shift_clock(request.done, shift);
    tally_into(into, index, request.done, request.cancelled);
  }
  if (in_.on_payload) {
    for (const auto& payload : report.payloads) in_.on_payload(phases_[index], payload.request_id, payload.body);
  }
}

void Benchmark::merge_part(std::size_t index, PartReport&& report) {
  PhaseOutcome& outcome = outcomes_.back();
  merge_requests(index, report, outcome);
  parts_sent_ += report.health.sent;
  if (outcome.stop_reason.empty() && !report.health.stop_reason.empty()) {
    outcome.stop_reason = "rank " + std::to_string(report.health.rank) + ": " + report.health.stop_reason;
  }
  outcome.parts.push_back(std::move(report.health));
}

}  // namespace aiperf::engine
