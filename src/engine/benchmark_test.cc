// Benchmark and PhaseRunner against the real mock server, with strategies
// written here to drive each edge: duration, grace period, interrupt, a
// strategy that fails, and the credit return the strategy is told.
#include "engine/benchmark.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "endpoints/openai.h"
#include "dataset/samplers.h"
#include "mock_server/testing/mock_server_process.h"

namespace aiperf::engine {
namespace {

using testing::MockServerProcess;

// Sends as fast as the in-flight cap allows.
// Sends as fast as the in-flight cap allows; records what it is told into `returns` (which
// outlives it: the engine destroys a phase's strategy at the phase end).
class GreedyStrategy : public TimingStrategy {
 public:
  explicit GreedyStrategy(uint64_t cap, std::vector<CreditReturn>* returns = nullptr) : cap_(cap), returns_(returns) {}
  Credit next_credit(const CreditState& s) override {
    if (s.in_flight >= cap_) return {Credit::Kind::kWaitForReturn, 0, std::nullopt};
    return {Credit::Kind::kSendAt, 0, std::nullopt};
  }
  void on_credit_returned(const CreditReturn& r) override {
    if (returns_) returns_->push_back(r);
  }

 private:
  uint64_t cap_;
  std::vector<CreditReturn>* returns_;
};

class ThrowingStrategy : public TimingStrategy {
 public:
  Credit next_credit(const CreditState& s) override {
    if (s.issued >= 2) throw std::runtime_error("schedule exhausted badly");
    return {Credit::Kind::kSendAt, 0, std::nullopt};
  }
};

// One slot until `step_ns` after the start, two after: a closed loop's ramp in miniature. Full
// before the step, its next credit is the step's time (as the built-in `concurrency` answers).
class OneStepRamp : public TimingStrategy {
 public:
  explicit OneStepRamp(int64_t step_ns) : step_ns_(step_ns) {}
  Credit next_credit(const CreditState& s) override {
    const uint64_t limit = s.now_ns < step_ns_ ? 1 : 2;
    if (s.in_flight < limit) return {Credit::Kind::kSendAt, s.now_ns, std::nullopt};
    if (s.now_ns < step_ns_) return {Credit::Kind::kSendAt, step_ns_, std::nullopt};
    return {Credit::Kind::kWaitForReturn, 0, std::nullopt};
  }

 private:
  int64_t step_ns_;
};

transport::ClientOptions client_options(int port) {
  transport::ClientOptions o;
  o.port = static_cast<uint16_t>(port);
  o.max_connections = 64;
  return o;
}

struct Rig {
  explicit Rig(std::vector<std::string> mock_args, bool streaming = true)
      : server(std::move(mock_args)),
        url(*transport::parse_http_url(server.base_url())),
        client(client_options(server.port())),
        endpoint(PluginConfig()),
        sampler(PluginConfig()),
        dataset{{"hello there", {}, 2, 5}},
        streaming_(streaming) {
    sampler.bind({dataset.size(), {}, {}, 0});
  }

  RequestDefaults defaults() const {
    RequestDefaults d;
    d.model = "mock";
    d.streaming = streaming_;
    d.id_prefix = "t";
    return d;
  }

  BenchmarkInputs inputs(std::function<std::unique_ptr<TimingStrategy>(const PhasePlan&)> make) {
    return BenchmarkInputs{client, url, endpoint, sampler, dataset, defaults(), hooks,
                           std::move(make),
                           [this](const PhasePlan&, const FinishedRequest& done, bool cancelled) {
                             finished.push_back(done);
                             if (cancelled) ++cancelled_seen;
                           },
                           [](const std::string&) {}, max_in_flight};
  }

  MockServerProcess server;
  transport::HttpUrl url;
  transport::HttpClient client;
  endpoints::ChatEndpoint endpoint;
  dataset::SequentialSampler sampler;
  std::vector<dataset::DatasetEntry> dataset;
  hooks::PhaseHookRegistry hooks;
  std::vector<FinishedRequest> finished;
  int cancelled_seen = 0;
  uint64_t max_in_flight = 0;
  bool streaming_;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

TEST(BenchmarkTest, RequestCountEndsThePhaseWithExactlyThatManyRequests) {
  Rig rig({"--fast"});
  Benchmark b(rig.inputs([](const PhasePlan&) { return std::make_unique<GreedyStrategy>(4); }));
  auto outcomes = b.run({{"profiling", 25, std::nullopt, 5}});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].stats.requests_sent, 25u);
  EXPECT_EQ(outcomes[0].metrics.request_count(), 25);
  EXPECT_FALSE(outcomes[0].results.empty());  // computed once, at the phase end
  EXPECT_TRUE(outcomes[0].stop_reason.empty());
}

// Requests needing client token counts go to the counting thread in batches (up to 256, or after
// 5 ms): every one comes back exactly once, counted off the loop, in its own phase, and a phase ends
// only when its last batch is back, whether the batch was cut by its size or sent by the phase's end.
TEST(BenchmarkTest, ClientTokenCountsComeBackInBatchesEveryRequestOnceAndInItsPhase) {
  Rig rig({"--fast"});
  std::atomic<int> counted{0};
  const std::thread::id loop_thread = std::this_thread::get_id();  // run() runs the loop here
  std::atomic<bool> counted_on_loop{false};
  BenchmarkInputs in = rig.inputs([](const PhasePlan&) { return std::make_unique<GreedyStrategy>(8); });
  in.defaults.prefer_client_token_counts = true;
  in.count_tokens = [&](std::string_view text) {
    if (std::this_thread::get_id() == loop_thread) counted_on_loop = true;
    ++counted;
    return static_cast<int64_t>(text.size()) + 1000;
  };
  std::map<std::string, int> per_phase;
  std::set<std::string> ids;  // phase/request id: each request recorded once
  in.on_request = [&](const PhasePlan& plan, const FinishedRequest& done, bool) {
    ++per_phase[plan.name];
    ids.insert(plan.name + "/" + done.record.request_id);
    rig.finished.push_back(done);
  };
  Benchmark b(std::move(in));
  auto outcomes = b.run({{"warmup", 300, std::nullopt, 5}, {"profiling", 7, std::nullopt, 5}});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(per_phase["warmup"], 300);
  EXPECT_EQ(per_phase["profiling"], 7);
  EXPECT_EQ(outcomes[0].metrics.request_count(), 300);
  EXPECT_EQ(outcomes[1].metrics.request_count(), 7);
  EXPECT_EQ(counted.load(), 307);
  EXPECT_FALSE(counted_on_loop.load());
  for (const auto& done : rig.finished) {
    ASSERT_TRUE(done.record.client_output_tokens.has_value());
    EXPECT_GE(*done.record.client_output_tokens, 1000);
  }
  EXPECT_EQ(ids.size(), 307u);
}

TEST(BenchmarkTest, DurationStopsIssuingAndGracePeriodCancelsWhatIsStillInFlight) {
  // Every response takes 3 s: the 0.3 s phase sends 4, waits 0.3 s of grace, cancels them.
  Rig rig({"--ttft", "3000"});
  Benchmark b(rig.inputs([](const PhasePlan&) { return std::make_unique<GreedyStrategy>(4); }));
  auto start = std::chrono::steady_clock::now();
  auto outcomes = b.run({{"profiling", 0, 0.3, 0.3}});
  double took = seconds_since(start);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].stats.requests_sent, 4u);
  EXPECT_EQ(outcomes[0].cancelled, 4u);
  EXPECT_EQ(rig.cancelled_seen, 4);
  EXPECT_EQ(outcomes[0].metrics.request_count() + outcomes[0].metrics.error_request_count(), 0)
      << "cancelled requests are not in the phase metrics";
  EXPECT_LT(took, 2.5) << "the grace period, not the 3 s responses, bounds the phase";
}

TEST(BenchmarkTest, InterruptStopsThePhaseAndSkipsLaterPhases) {
  Rig rig({"--ttft", "200"});
  Benchmark b(rig.inputs([](const PhasePlan&) { return std::make_unique<GreedyStrategy>(2); }));
  std::thread interrupter([&b] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    b.interrupt();
    b.interrupt();  // a second call changes nothing
  });
  auto outcomes = b.run({{"warmup", 0, 30.0, 5}, {"profiling", 10, std::nullopt, 5}});
  interrupter.join();
  EXPECT_TRUE(b.interrupted());
  ASSERT_EQ(outcomes.size(), 1u) << "profiling never starts after an interrupt";
  EXPECT_EQ(outcomes[0].stats.phase, "warmup");
  EXPECT_TRUE(outcomes[0].stats.was_cancelled);
  EXPECT_GE(outcomes[0].metrics.request_count(), 2) << "in-flight requests finished within the grace period";
}

TEST(BenchmarkTest, StrategyThatThrowsStopsThePhaseWithItsReasonAndKeepsFinishedRequests) {
  Rig rig({"--fast"});
  Benchmark b(rig.inputs([](const PhasePlan&) { return std::make_unique<ThrowingStrategy>(); }));
  auto outcomes = b.run({{"profiling", 0, std::nullopt, 5}, {"second", 5, std::nullopt, 5}});
  ASSERT_EQ(outcomes.size(), 1u) << "a failed phase ends the run";
  EXPECT_NE(outcomes[0].stop_reason.find("timing strategy failed: schedule exhausted badly"), std::string::npos)
      << outcomes[0].stop_reason;
  EXPECT_EQ(outcomes[0].metrics.request_count(), 2);
}

// A sampler whose third call throws.
class ThrowingSampler : public DatasetSampler {
 public:
  void bind(const DatasetInfo&) override {}
  std::size_t next_index() override {
    if (++calls_ == 3) throw std::runtime_error("index table corrupt");
    return 0;
  }

 private:
  int calls_ = 0;
};

TEST(BenchmarkTest, SamplerThatThrowsStopsThePhaseInsteadOfTerminating) {
  Rig rig({"--fast"});
  ThrowingSampler sampler;
  auto in = rig.inputs([](const PhasePlan&) { return std::make_unique<GreedyStrategy>(1); });
  Benchmark b(BenchmarkInputs{in.client, in.url, in.endpoint, sampler, in.dataset, in.defaults, in.hooks,
                              in.make_strategy, in.on_request, in.log, 0});
  auto outcomes = b.run({{"profiling", 10, std::nullopt, 5}});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_NE(outcomes[0].stop_reason.find("dataset sampler failed: index table corrupt"), std::string::npos)
      << outcomes[0].stop_reason;
  EXPECT_EQ(outcomes[0].metrics.request_count(), 2);
}

// Sends every credit "now", forever: only the in-flight cap holds it.
class NowForeverStrategy : public TimingStrategy {
 public:
  Credit next_credit(const CreditState&) override { return {Credit::Kind::kSendAt, 0, std::nullopt}; }
};

TEST(BenchmarkTest, InFlightCapHoldsEveryStrategyPluginsIncluded) {
  Rig rig({"--ttft", "50"});
  rig.max_in_flight = 3;
  Benchmark b(rig.inputs([](const PhasePlan&) { return std::make_unique<NowForeverStrategy>(); }));
  uint64_t most = 0;
  std::function<void()> sample = [&] {
    if (b.current()) most = std::max(most, b.current()->in_flight());
    rig.client.run_at(transport::now_ns() + 5'000'000, sample);
  };
  rig.client.post(sample);
  auto outcomes = b.run({{"profiling", 0, 0.4, 1}});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(most, 3u);
  EXPECT_GE(outcomes[0].metrics.request_count(), 12);  // ~0.4 s / 50 ms × 3
  EXPECT_LE(outcomes[0].stats.requests_sent, 30u) << "sends follow returns, not the strategy's 'now'";
}

// One request every 20 s.
class SlowOpenLoopStrategy : public TimingStrategy {
 public:
  Credit next_credit(const CreditState& s) override {
    return {Credit::Kind::kSendAt, static_cast<int64_t>(s.issued) * 20'000'000'000, std::nullopt};
  }
};

TEST(BenchmarkTest, InterruptDuringALongOpenLoopGapStopsAtOnce) {
  Rig rig({"--fast"});
  Benchmark b(rig.inputs([](const PhasePlan&) { return std::make_unique<SlowOpenLoopStrategy>(); }));
  std::thread interrupter([&b] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    b.interrupt();
  });
  auto start = std::chrono::steady_clock::now();
  auto outcomes = b.run({{"profiling", 0, std::nullopt, 2}});
  double took = seconds_since(start);
  interrupter.join();
  EXPECT_LT(took, 3.0) << "waited for the next scheduled send instead of stopping";
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].stats.requests_sent, 1u);
}

TEST(BenchmarkTest, StrategyThatCannotBeCreatedStopsWithAReason) {
  Rig rig({"--fast"});
  Benchmark b(rig.inputs([](const PhasePlan&) -> std::unique_ptr<TimingStrategy> {
    throw std::runtime_error("bad config");
  }));
  auto outcomes = b.run({{"profiling", 3, std::nullopt, 5}});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_NE(outcomes[0].stop_reason.find("cannot create the timing strategy: bad config"), std::string::npos);
}

TEST(BenchmarkTest, CreditReturnCarriesTheSameNumbersAsTheReport) {
  for (bool streaming : {true, false}) {
    Rig rig({"--ttft", "20", "--itl", "2"}, streaming);
    std::vector<CreditReturn> returns;
    Benchmark b(rig.inputs([&](const PhasePlan&) { return std::make_unique<GreedyStrategy>(2, &returns); }));
    b.run({{"profiling", 6, std::nullopt, 5}});
    ASSERT_EQ(returns.size(), 6u);
    ASSERT_EQ(rig.finished.size(), 6u);
    for (std::size_t i = 0; i < 6; ++i) {
      const auto& m = rig.finished[i].metrics;
      const auto& r = returns[i];
      ASSERT_TRUE(r.latency_ms.has_value());
      EXPECT_DOUBLE_EQ(*r.latency_ms, static_cast<double>(*m.request_latency_ns) / 1e6);
      EXPECT_EQ(r.ttft_ms.has_value(), streaming) << "no TTFT for a non-streamed response";
      if (streaming) {
        EXPECT_DOUBLE_EQ(*r.ttft_ms, static_cast<double>(*m.time_to_first_token_ns) / 1e6);
      }
    }
  }
}

TEST(BenchmarkTest, AClosedLoopRefillsOnAReturnWhileItsNextRampStepIsPending) {
  // 100 ms responses, one slot for the first second: back to back, about ten go out before the
  // step; a closed loop that waited for the step's wake-up would have sent one.
  Rig rig({"--ttft", "100"}, false);
  auto inputs = rig.inputs([](const PhasePlan&) { return std::make_unique<OneStepRamp>(1'000'000'000); });
  inputs.defaults.open_loop = false;
  Benchmark b(std::move(inputs));
  auto outcomes = b.run({{"profiling", 14, std::nullopt, 5}});
  ASSERT_EQ(outcomes.size(), 1u);
  int64_t first = INT64_MAX;
  for (const auto& f : rig.finished) first = std::min(first, f.record.start_ns);
  int before_step = 0, overlapping = 0;
  for (const auto& f : rig.finished) before_step += f.record.start_ns - first < 900'000'000 ? 1 : 0;
  for (const auto& a : rig.finished) {
    for (const auto& b2 : rig.finished) {
      const bool both_before_step = std::max(a.record.start_ns, b2.record.start_ns) - first < 950'000'000;
      overlapping += &a != &b2 && both_before_step && b2.record.start_ns < a.record.end_ns &&
                     a.record.start_ns < b2.record.end_ns;
    }
  }
  EXPECT_EQ(rig.finished.size(), 14u);
  EXPECT_GE(before_step, 5) << "returns before the step did not refill the slot";
  EXPECT_EQ(overlapping, 0) << "more than the one slot in flight before the step";
}

}  // namespace
}  // namespace aiperf::engine
