#include "collectors/collector_host.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace aiperf::collectors {
namespace {

using Clock = std::chrono::steady_clock;

int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Runs `f`; the exception's message, or empty when it returned.
template <class F>
std::string guarded(F&& f) {
  try {
    f();
    return {};
  } catch (const std::exception& e) {
    return e.what()[0] ? e.what() : "exception without a message";
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

// One collector and its thread. Shared with the thread, so a hung call keeps it valid.
struct CollectorHost::Worker {
  enum class Command { kNone, kStart, kStop, kQuit };

  std::string name;
  std::string benchmark_url;
  std::unique_ptr<Collector> collector;
  std::chrono::milliseconds period{1000};
  std::mutex mutex;
  std::condition_variable cv;
  Command command = Command::kNone;
  CollectorStart start_args;
  CollectorStop stop_args;
  bool busy = false;  // a command is being carried out
  bool started = false, stopped = false;
  bool hung = false;  // the host gave up waiting on it
  CollectorOutcome outcome;
  std::thread thread;

  void loop();
  void run_start();
  void run_sample();
  void run_stop();
  void problem(std::string what) {
    std::lock_guard lock(mutex);
    outcome.problems.push_back(std::move(what));
  }
};

void CollectorHost::Worker::loop() {
  bool sampling = false;
  Clock::time_point next{};
  for (;;) {
    Command c;
    {
      std::unique_lock lock(mutex);
      auto ready = [&] { return command != Command::kNone; };
      if (sampling) cv.wait_until(lock, next, ready);
      else cv.wait(lock, ready);
      c = command;
      command = Command::kNone;
      busy = true;  // until the end of this turn: inside (or about to call) the collector
    }
    if (c == Command::kQuit) return;
    if (c == Command::kStart) {
      run_start();
      sampling = true;
      next = Clock::now() + period;
    } else if (c == Command::kStop) {
      sampling = false;
      run_stop();
    } else if (sampling && Clock::now() >= next) {
      auto began = Clock::now();
      run_sample();
      // The period runs from the previous call's start; a slow call skips the missed ticks.
      next = began + period;
      if (next < Clock::now()) next = Clock::now() + period;
    }
    std::lock_guard lock(mutex);
    busy = false;
    if (hung) sampling = false;  // the host gave up on this phase
    cv.notify_all();
  }
}

void CollectorHost::Worker::run_start() {
  std::string error = guarded([&] { collector->start(start_args); });
  if (!error.empty()) problem("start() threw: " + error);
  std::lock_guard lock(mutex);
  started = true;
  cv.notify_all();
}

void CollectorHost::Worker::run_sample() {
  auto began = Clock::now();
  std::string error = guarded([&] { collector->sample(wall_now_ns()); });
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - began).count();
  std::lock_guard lock(mutex);
  ++outcome.samples;
  outcome.slowest_sample_ms = std::max(outcome.slowest_sample_ms, ms);
  if (!error.empty() && outcome.problems.size() < 20) outcome.problems.push_back("sample() threw: " + error);
}

void CollectorHost::Worker::run_stop() {
  std::optional<CollectorResult> result;
  std::string error = guarded([&] { result = collector->stop(stop_args); });
  std::lock_guard lock(mutex);
  if (!error.empty()) outcome.problems.push_back("stop() threw: " + error);
  outcome.result = std::move(result);
  stopped = true;
  cv.notify_all();
}

CollectorHost::CollectorHost(CollectorHostOptions options) : options_(options) {}

CollectorHost::~CollectorHost() {
  for (auto& w : workers_) {
    bool hung;
    {
      std::lock_guard lock(w->mutex);
      w->command = Worker::Command::kQuit;
      hung = w->hung && w->busy;
      w->cv.notify_all();
    }
    if (hung) {
      // Its code may still be running: the thread owns the worker (and the collector) and
      // frees both if the call ever returns; never destroy it under the call.
      w->thread.detach();
    } else {
      w->thread.join();
    }
  }
}

void CollectorHost::add(std::string name, std::unique_ptr<Collector> collector, std::string benchmark_url) {
  auto w = std::make_shared<Worker>();
  w->name = std::move(name);
  w->benchmark_url = std::move(benchmark_url);
  w->collector = std::move(collector);
  std::string error = guarded([&] { w->period = w->collector->period(); });
  if (!error.empty() || w->period.count() <= 0) w->period = std::chrono::seconds(1);
  // Signals are the main thread's business (run/signal_watcher): a collector thread made
  // before the watcher must not take a SIGINT/SIGTERM whose default action kills us. The
  // thread inherits the mask it is created with.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  w->thread = std::thread([w] { w->loop(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  workers_.push_back(std::move(w));
}

std::size_t CollectorHost::size() const { return workers_.size(); }

void CollectorHost::start_phase(const PhaseStats& stats) {
  std::vector<Worker*> started;
  for (auto& w : workers_) {
    std::unique_lock lock(w->mutex);
    w->outcome = CollectorOutcome{w->name, stats.phase, std::nullopt, {}, 0, 0};
    if (w->hung && w->busy) {
      w->outcome.problems.push_back("skipped: still stuck in an earlier call");
      continue;
    }
    started.push_back(w.get());
    w->hung = false;
    w->started = w->stopped = false;
    w->start_args = CollectorStart{stats.phase, stats.start_ns, steady_now_ns(), w->benchmark_url};
    w->command = Worker::Command::kStart;
    w->cv.notify_all();
  }
  // Wait for the baselines, all against one deadline.
  auto deadline = Clock::now() + options_.start_wait;
  for (Worker* w : started) {
    std::unique_lock lock(w->mutex);
    if (!w->cv.wait_until(lock, deadline, [&] { return w->started; })) {
      w->outcome.problems.push_back("start() did not return within " + std::to_string(options_.start_wait.count()) +
                                    " ms; the phase went on without its baseline");
    }
  }
}

void CollectorHost::stop_phase(const PhaseStats& stats) {
  CollectorStop args = collector_stop_from(stats);
  args.steady_ns = steady_now_ns();
  for (auto& w : workers_) {
    std::lock_guard lock(w->mutex);
    if (w->hung && w->busy) continue;
    w->stop_args = args;
    w->command = Worker::Command::kStop;
    w->cv.notify_all();
  }
  auto deadline = Clock::now() + options_.stop_wait;
  for (auto& w : workers_) {
    std::unique_lock lock(w->mutex);
    if (!w->hung && !w->cv.wait_until(lock, deadline, [&] { return w->stopped; })) {
      w->hung = true;
      w->command = Worker::Command::kNone;
      w->outcome.problems.push_back("did not finish within " + std::to_string(options_.stop_wait.count()) +
                                    " ms of the phase end; its results are left out");
    }
    if (w->outcome.slowest_sample_ms > static_cast<double>(w->period.count())) {
      w->outcome.problems.push_back("a sample took " + std::to_string(std::lround(w->outcome.slowest_sample_ms)) +
                                    " ms, longer than its period of " + std::to_string(w->period.count()) + " ms");
    }
    outcomes_.push_back(w->outcome);
  }
}

std::vector<ServerMetricSummary> CollectorHost::summaries(const std::string& phase) const {
  std::vector<ServerMetricSummary> out;
  std::vector<std::string> seen;  // each collector's latest outcome of the phase only
  for (auto it = outcomes_.rbegin(); it != outcomes_.rend(); ++it) {
    if (it->phase != phase || !it->result) continue;
    if (std::find(seen.begin(), seen.end(), it->name) != seen.end()) continue;
    seen.push_back(it->name);
    for (const auto& s : it->result->stats) {
      if (!s.display.empty()) out.push_back({it->name, s.name, s.display, s.unit, s.kind, s.values});
    }
  }
  return out;
}

void CollectorHost::register_with(PhaseHookRegistrar& registrar) {
  if (workers_.empty()) return;
  registrar.register_phase_start("collectors", [this](const PhaseStats& s) { start_phase(s); });
}

CollectorStop collector_stop_from(const PhaseStats& stats) {
  CollectorStop out;
  out.wall_ns = stats.end_ns;
  out.duration_s = stats.duration_sec;
  out.requests_completed = stats.requests_completed;
  for (const auto& m : stats.metrics) {
    auto total = static_cast<int64_t>(std::llround(m.avg * static_cast<double>(m.count)));
    if (m.tag == "output_sequence_length") out.output_tokens = total;
    if (m.tag == "input_sequence_length") out.input_tokens = total;
  }
  return out;
}

}  // namespace aiperf::collectors
