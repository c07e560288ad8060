// Runs the phases of a benchmark (warmup, then profiling) on one HTTP client:
// a fresh timing strategy per phase, phase hooks at every boundary, duration
// limits with a grace period, and interruption (Ctrl-C) that still ends in
// complete results.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aiperf/sdk/phase_hook.h"
#include "engine/part_report.h"
#include "engine/phase_exchange.h"
#include "engine/phase_runner.h"
#include "hooks/phase_hook_registry.h"
#include "metrics/request_metrics.h"
#include "metrics/run_metrics.h"
#include "metrics/transport_summary.h"
#include "metrics/token_count_worker.h"

namespace aiperf::engine {

/// One phase to run.
struct PhasePlan {
  std::string name;                   ///< "warmup" or "profiling".
  uint64_t request_count = 0;         ///< Stop issuing after this many (0 = no limit).
  std::optional<double> duration_s;   ///< Stop issuing after this long.
  double grace_period_s = 30;         ///< After the duration or an interrupt: wait this long, then cancel.
  /// A part of a split run with conversations: the whole run's count, shared by conversation
  /// (PhaseRunner, distributed::TurnLedger); request_count is then the part's approximate share. 0: not shared so.
  uint64_t whole_request_count = 0;
};

/// What a phase produced.
struct PhaseOutcome {
  PhaseStats stats;                   ///< Also what the complete hooks saw.
  metrics::RunMetrics metrics;        ///< Requests finished in time (cancelled ones excluded).
  std::vector<metrics::MetricResult> results;  ///< metrics.results(), computed once at the phase end.
  uint64_t cancelled = 0;             ///< Requests cancelled at the end (duration grace or interrupt).
  /// Requests cancelled on purpose by --request-cancellation-rate (not failures, not in the metrics).
  uint64_t planned_cancellations = 0;
  metrics::TransportSummary transport;  ///< Connections, retries and the receive-lag signal of every request.
  /// Metrics per server URL (every request of the phase, cancelled ones excluded); set with several --url.
  std::map<std::string, metrics::RunMetrics> by_url;
  std::string strategy_summary;       ///< TimingStrategy::summary().
  std::string stop_reason;            ///< Why issuing stopped early because something failed, or empty.
  double client_cpu_seconds = 0;      ///< aiperf's own user+sys CPU during the phase.
  /// A run split across MPI ranks, on the lead: every part's own health, in part order (else empty).
  std::vector<PartHealth> parts;
};

/// Everything a phase runs with, except the timing strategy (fresh per phase).
struct BenchmarkInputs {
  transport::HttpClient& client;
  const transport::HttpUrl& url;
  const Endpoint& endpoint;
  DatasetSampler& sampler;
  const std::vector<dataset::DatasetEntry>& dataset;
  RequestDefaults defaults;
  hooks::PhaseHookRegistry& hooks;
  std::function<std::unique_ptr<TimingStrategy>(const PhasePlan&)> make_strategy;
  /// Every finished request (on the loop thread), with its phase and metrics (done.metrics); `cancelled`
  /// ones were ended by us (duration grace or interrupt) and are not in the phase metrics.
  std::function<void(const PhasePlan&, const FinishedRequest&, bool cancelled)> on_request;
  /// Progress and warnings for the user.
  std::function<void(const std::string&)> log;
  /// Cap on requests in flight for every strategy, plugins included (0 = none).
  uint64_t max_in_flight;
  /// A phase ended and its outcome (the last of `outcomes`) is final: called before its
  /// complete hooks, so what it saves survives a hook that hangs or crashes. May be empty.
  std::function<void(std::vector<PhaseOutcome>& outcomes)> on_phase_end = {};
  /// The run's tokenizer count of a response text, or empty (no client-side counts). Runs on a
  /// worker thread, never on the loop: a request needing a count is recorded once it is counted.
  std::function<int64_t(std::string_view)> count_tokens = {};
  /// Every request body as sent, with its phase and request id (loop thread); may be empty.
  std::function<void(const PhasePlan&, std::string_view request_id, std::string_view body)> on_payload = {};
  /// A run split across processes: how the parts meet (null: one process). On the lead, each phase's
  /// outcome then holds every part's requests (replayed through on_request); the other parts' outcomes
  /// hold their own only, and their on_request should be empty (they export nothing).
  PhaseExchange* exchange = nullptr;
  /// Every 200 ms while a phase runs (loop thread); may be empty.
  std::function<void()> on_tick = {};
};

/// The running phase's counts as its loop last published them (every 200 ms, and at the phase's
/// start and end): readable from any thread, for a progress line over several event loops.
struct PhaseProgress {
  std::atomic<bool> running{false};
  std::atomic<std::size_t> phase_index{0};
  std::atomic<int64_t> start_ns{0};          ///< now_ns clock.
  std::atomic<uint64_t> request_count{0};   ///< This loop's share (0 = no count).
  std::atomic<uint64_t> completed{0}, failed{0}, in_flight{0};
};

/// Runs phases; run() blocks on the client's loop. interrupt() may come from any thread.
class Benchmark {
 public:
  explicit Benchmark(BenchmarkInputs inputs);
  /// Runs `phases` in order and returns their outcomes (a phase not started after an interrupt is absent).
  std::vector<PhaseOutcome> run(const std::vector<PhasePlan>& phases);
  /// First call: stop issuing, wait the grace period for in-flight requests, cancel the rest,
  /// skip later phases. Thread-safe.
  void interrupt();
  /// True once interrupt() was called.
  bool interrupted() const { return interrupted_.load(); }
  /// The phase running now, or null (loop thread only).
  const PhaseRunner* current() const { return runner_.get(); }
  /// The running phase's counts, from any thread.
  const PhaseProgress& progress() const { return progress_; }

 private:
  void start_phase(std::size_t index);
  void finish_phase(std::size_t index);
  void stop_phase(const std::string& reason);
  void report_hook_failures(const std::string& when, const std::vector<hooks::HookFailure>& failures);
  std::function<void(std::string_view, std::string_view)> payload_observer(std::size_t index);
  void request_finished(std::size_t index, FinishedRequest&& done);
  void count_batch();
  void record(std::size_t index, const FinishedRequest& done);
  void tally(std::size_t index, const FinishedRequest& done, bool cancelled) { tally_into(outcomes_.back(), index, done, cancelled); }
  void tally_into(PhaseOutcome& into, std::size_t index, const FinishedRequest& done, bool cancelled);
  void hand_over_if_full();
  void take_handed_over(std::size_t index);
  bool all_go_on(bool mine) { return in_.exchange ? in_.exchange->all_go_on(mine) : mine; }
  PartHealth own_health() const;
  void exchange_phase(std::size_t index);
  void merge_part(std::size_t index, PartReport&& report);
  void merge_requests(std::size_t index, PartReport& report, PhaseOutcome& into);
  void publish_progress(std::size_t index);

  BenchmarkInputs in_;
  std::vector<PhasePlan> phases_;
  std::vector<PhaseOutcome> outcomes_;
  std::unique_ptr<TimingStrategy> strategy_;
  std::unique_ptr<PhaseRunner> runner_;
  std::atomic<bool> interrupted_{false};
  bool stopping_ = false;  // loop thread: the current phase was told to stop
  std::size_t phase_index_ = 0;
  double phase_cpu_start_s_ = 0;
  double phase_thread_cpu_start_s_ = 0;  // the loop thread's own (a worker among threads)
  std::unique_ptr<metrics::TokenCountWorker> counter_;  // set when in_.count_tokens is
  uint64_t pending_counts_ = 0;  // loop thread: requests of this phase waiting for counts (batched or at the worker)
  // Loop thread: finished requests waiting to go to the counter together (kCountBatchDelayNs at most).
  std::shared_ptr<std::vector<FinishedRequest>> to_count_;
  static constexpr std::size_t kCountBatchMax = 256;
  static constexpr int64_t kCountBatchDelayNs = 5'000'000;
  bool finish_waiting_ = false;  // loop thread: the phase ended and waits for its counts
  std::string part_items_;       // a part that is not the lead: this phase's requests and bodies, for it
  // ... handed over whenever they reach this size, where the exchange can (PhaseExchange::hands_over).
  static constexpr std::size_t kHandOverBytes = 64 * 1024;
  // The lead: what the other parts handed over during this phase, apart from its own outcome until
  // the phase ends (its own health counts only its own requests).
  PhaseOutcome handed_;
  uint64_t parts_sent_ = 0;      // the lead: requests the other parts sent in this phase
  PhaseProgress progress_;
};

}  // namespace aiperf::engine
