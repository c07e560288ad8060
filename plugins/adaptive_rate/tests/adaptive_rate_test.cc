// Drives adaptive_rate through the SDK interface with a fake clock: a small
// event simulation plays the engine (sends at the credit's time, returns each
// credit when its request "finishes"), so no network is involved.
#include "adaptive_rate.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>

#include <aiperf/sdk/plugin.h>

// The exported factory (src/factory.cc), as the host would call it.
extern "C" int aiperf_adaptive_rate_timing_strategy(const aiperf_factory_args* args,
                                                    aiperf_factory_result* result) noexcept;

namespace aiperf_plugins::adaptive_rate {
namespace {

using aiperf::Credit;
using aiperf::CreditReturn;
using aiperf::CreditState;
using Kind = aiperf::Credit::Kind;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

std::unique_ptr<AdaptiveRateStrategy> make(nlohmann::json config) {
  return std::make_unique<AdaptiveRateStrategy>(aiperf::PluginConfig(std::move(config)));
}

nlohmann::json base_config() {
  return {{"initial_rate", 10},
          {"interval_seconds", 1},
          {"slo", {{"metric", "time_to_first_token"}, {"percentile", 90}, {"threshold_ms", 100}}}};
}

// What the simulated server does with a request sent at `sent_ns` while the
// current interval's rate is `rate`: the request's outcome, relative to its send.
struct Response {
  double ttft_ms = 10;
  double latency_ms = 20;
  bool ok = true;
};
using Server = std::function<Response(double rate, int64_t sent_ns)>;

// The engine, simulated: asks for credits, "sends" at their time, and returns
// each credit when its request ends, in time order.
struct Simulation {
  std::vector<int64_t> sends;
  std::string summary;
};

Simulation simulate(aiperf::TimingStrategy& strategy, const Server& server, int64_t horizon_ns,
                    uint64_t max_sends = 100000, int64_t engine_lag_ns = 0) {
  const auto& adaptive = dynamic_cast<const AdaptiveRateStrategy&>(strategy);
  Simulation sim;
  std::multimap<int64_t, CreditReturn> pending;
  int64_t now = 0;
  uint64_t completed = 0;
  auto deliver_until = [&](int64_t t) {
    while (!pending.empty() && pending.begin()->first <= t) {
      strategy.on_credit_returned(pending.begin()->second);
      pending.erase(pending.begin());
      ++completed;
    }
  };
  while (sim.sends.size() < max_sends) {
    Credit credit = strategy.next_credit({now, sim.sends.size(), pending.size(), completed});
    if (credit.kind == Kind::kStop) break;
    EXPECT_EQ(credit.kind, Kind::kSendAt);
    if (credit.kind != Kind::kSendAt) break;
    int64_t at = std::max(now, credit.send_at_ns) + engine_lag_ns;
    if (at > horizon_ns) break;
    deliver_until(at);
    now = at;
    sim.sends.push_back(credit.send_at_ns);
    Response r = server(adaptive.current_rate(), now);
    CreditReturn ret;
    ret.scheduled_ns = credit.send_at_ns;
    ret.sent_ns = now;
    ret.ok = r.ok;
    ret.end_ns = now + static_cast<int64_t>(r.latency_ms * kMs);
    if (r.ok) {
      ret.ttft_ms = r.ttft_ms;
      ret.latency_ms = r.latency_ms;
    }
    pending.emplace(ret.end_ns, ret);
  }
  deliver_until(INT64_MAX);
  sim.summary = strategy.summary();
  return sim;
}

std::vector<double> rates(const AdaptiveRateStrategy& s) {
  std::vector<double> out;
  for (const auto& r : s.intervals()) out.push_back(r.rate);
  return out;
}

std::string config_error(nlohmann::json config) {
  try {
    make(std::move(config));
  } catch (const aiperf::ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(AdaptiveRateConfigTest, DefaultsAndRequiredKeys) {
  auto s = make(base_config());
  EXPECT_EQ(s->settings().initial_rate, 10);
  EXPECT_EQ(s->settings().scale_factor, 1.5);
  EXPECT_EQ(s->settings().backoff_factor, 0.5);
  EXPECT_FALSE(s->settings().max_rate);
  EXPECT_FALSE(s->settings().max_intervals);
  EXPECT_EQ(make({{"initial_rate", 1}, {"slo", {{"threshold_ms", 5}}}})->settings().interval_seconds, 5);

  auto without = [](const char* key) {
    auto c = base_config();
    c.erase(key);
    return c;
  };
  EXPECT_NE(config_error(without("initial_rate")).find("missing required key 'initial_rate'"), std::string::npos);
  EXPECT_NE(config_error(without("slo")).find("missing required key 'slo'"), std::string::npos);
}

TEST(AdaptiveRateConfigTest, RejectsInvalidValuesNamingTheKey) {
  auto with = [](const char* key, nlohmann::json value) {
    auto c = base_config();
    c[key] = std::move(value);
    return config_error(c);
  };
  EXPECT_NE(with("initial_rate", 0).find("'initial_rate' must be a positive"), std::string::npos);
  EXPECT_NE(with("initial_rate", "fast").find("'initial_rate' has the wrong type"), std::string::npos);
  EXPECT_NE(with("scale_factor", 1).find("'scale_factor' must be greater than 1"), std::string::npos);
  EXPECT_NE(with("interval_seconds", -1).find("'interval_seconds'"), std::string::npos);
  EXPECT_NE(with("backoff_factor", 1).find("'backoff_factor'"), std::string::npos);
  EXPECT_NE(with("backoff_factor", 0).find("'backoff_factor'"), std::string::npos);
  EXPECT_NE(with("max_rate", 5).find("'max_rate' (5) is below 'initial_rate' (10)"), std::string::npos);
  EXPECT_NE(with("max_intervals", 0).find("'max_intervals' must be a positive integer"), std::string::npos);
  EXPECT_NE(with("max_intervals", 2.5).find("'max_intervals'"), std::string::npos);
  EXPECT_NE(with("slo", {{"metric", "itl"}, {"threshold_ms", 1}}).find("slo.metric"), std::string::npos);
  EXPECT_NE(with("scale_factr", 2).find("did you mean 'scale_factor'"), std::string::npos);
}

TEST(AdaptiveRateConfigTest, FactoryReportsConfigErrorsThroughTheCBoundary) {
  aiperf_factory_result result{};
  aiperf_factory_args args{sizeof(aiperf_factory_args), "timing_strategy", "adaptive_rate",
                           R"({"initial_rate": -1, "slo": {"threshold_ms": 5}})"};
  EXPECT_NE(aiperf_adaptive_rate_timing_strategy(&args, &result), 0);
  EXPECT_EQ(result.instance, nullptr);
  EXPECT_NE(std::string(result.error).find("initial_rate"), std::string::npos);

  args.config_json = R"({"initial_rate": 5, "slo": {"threshold_ms": 5}})";
  ASSERT_EQ(aiperf_adaptive_rate_timing_strategy(&args, &result), 0) << result.error;
  std::unique_ptr<aiperf::TimingStrategy> strategy(static_cast<aiperf::TimingStrategy*>(result.instance));
  EXPECT_EQ(strategy->next_credit({}).kind, Kind::kSendAt);
}

TEST(AdaptiveRateTest, SendsOnAbsoluteTimesWithoutDrift) {
  auto c = base_config();
  c["initial_rate"] = 3;  // 1/3 s does not divide evenly into nanoseconds
  c["max_intervals"] = 1;
  auto s = make(c);
  std::vector<int64_t> times;
  // The engine is late every time (now far past the grid): the grid does not move.
  for (int i = 0; i < 10; ++i) {
    Credit credit = s->next_credit({static_cast<int64_t>(i) * 400 * kMs, static_cast<uint64_t>(i), 0, 0});
    if (credit.kind == Kind::kStop) break;
    times.push_back(credit.send_at_ns);
  }
  EXPECT_EQ(times, (std::vector<int64_t>{0, 333'333'333, 666'666'667}));
}

TEST(AdaptiveRateTest, NextIntervalStartsOnItsBoundary) {
  auto s = make(base_config());
  auto sim = simulate(*s, [](double, int64_t) { return Response{}; }, 2 * kSec - 1);
  // 10 sends in [0, 1 s) at 100 ms steps, then interval 1 at 15 req/s starting at exactly 1 s.
  ASSERT_GE(sim.sends.size(), 12u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(sim.sends[i], i * 100 * kMs);
  EXPECT_EQ(sim.sends[10], 1 * kSec);
  EXPECT_EQ(sim.sends[11], kSec + 66'666'667);
  EXPECT_EQ(sim.sends.size(), 10u + 15u);
}

TEST(AdaptiveRateTest, ScalesUpWhileTheSloHoldsAndStopsAfterMaxIntervals) {
  auto c = base_config();
  c["max_intervals"] = 4;
  auto s = make(c);
  auto sim = simulate(*s, [](double, int64_t) { return Response{10, 20, true}; }, 60 * kSec);
  EXPECT_EQ(rates(*s), (std::vector<double>{10, 15, 22.5, 33.75}));
  EXPECT_EQ(sim.sends.size(), 10u + 15u + 23u + 34u);
  ASSERT_TRUE(s->highest_held_rate());
  EXPECT_DOUBLE_EQ(*s->highest_held_rate(), 33.75);
  EXPECT_EQ(s->next_credit({}).kind, Kind::kStop);
  EXPECT_NE(sim.summary.find("highest rate that held: 33.75 req/s"), std::string::npos) << sim.summary;
  EXPECT_NE(sim.summary.find("time_to_first_token p90 <= 100 ms"), std::string::npos) << sim.summary;
  EXPECT_NE(sim.summary.find("4 intervals of 1 s"), std::string::npos) << sim.summary;
}

TEST(AdaptiveRateTest, BacksOffWhenTheSloBreaksAndSearchesBelowTheBreach) {
  auto c = base_config();
  c["scale_factor"] = 2;
  c["max_intervals"] = 7;
  auto s = make(c);
  // The server keeps TTFT at 10 ms up to 30 req/s, 500 ms above.
  simulate(*s, [](double rate, int64_t) { return Response{rate > 30 ? 500.0 : 10.0, 20, true}; }, 60 * kSec);
  // 10 ok, 20 ok, 40 broke -> halfway back to 20: 30 ok -> min(60, halfway to 40) = 35 broke
  // -> halfway back to 30: 32.5 broke -> 31.25 broke.
  EXPECT_EQ(rates(*s), (std::vector<double>{10, 20, 40, 30, 35, 32.5, 31.25}));
  std::vector<bool> held;
  for (const auto& r : s->intervals()) held.push_back(r.held);
  EXPECT_EQ(held, (std::vector<bool>{true, true, false, true, false, false, false}));
  EXPECT_DOUBLE_EQ(*s->highest_held_rate(), 30);
  EXPECT_NE(s->summary().find("40.00 broke (p90 500.0 ms"), std::string::npos) << s->summary();
}

TEST(AdaptiveRateTest, BackoffFactorSetsHowFarBack) {
  auto c = base_config();
  c["scale_factor"] = 2;
  c["backoff_factor"] = 0.25;
  c["max_intervals"] = 4;
  auto s = make(c);
  simulate(*s, [](double rate, int64_t) { return Response{rate > 30 ? 500.0 : 10.0, 20, true}; }, 60 * kSec);
  // 40 broke: a quarter of the way back to the last good rate (20) -> 35.
  EXPECT_EQ(rates(*s), (std::vector<double>{10, 20, 40, 35}));
}

TEST(AdaptiveRateTest, WithoutAnyHeldRateBacksOffTowardZero) {
  auto c = base_config();
  c["max_intervals"] = 3;
  auto s = make(c);
  auto sim = simulate(*s, [](double, int64_t) { return Response{1000, 1000, true}; }, 60 * kSec);
  EXPECT_EQ(rates(*s), (std::vector<double>{10, 5, 2.5}));
  EXPECT_FALSE(s->highest_held_rate());
  EXPECT_NE(sim.summary.find("no rate held the SLO"), std::string::npos) << sim.summary;
}

TEST(AdaptiveRateTest, FailedRequestsBreakTheSlo) {
  auto c = base_config();
  c["max_intervals"] = 2;
  auto s = make(c);
  // 2 of 10 fail in every interval: p90 lands on a failure.
  simulate(*s, [](double, int64_t sent) {
    bool fail = (sent / (100 * kMs)) % 5 == 4;
    return Response{10, 20, !fail};
  }, 60 * kSec);
  auto results = s->intervals();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].held);
  EXPECT_TRUE(std::isinf(results[0].observed_ms));
  EXPECT_NE(s->summary().find("p90 failed"), std::string::npos) << s->summary();
}

TEST(AdaptiveRateTest, EvaluatesTheRequestsThatCompletedInTheInterval) {
  auto c = base_config();
  c["slo"]["metric"] = "request_latency";
  auto s = make(c);
  // Interval 0's own sends.
  for (int i = 0; i < 10; ++i) ASSERT_EQ(s->next_credit({}).kind, Kind::kSendAt);
  // Completed in [0, 1 s): fast. One slow request completes in interval 1 and must not count.
  for (int i = 0; i < 9; ++i) {
    s->on_credit_returned({i * 100 * kMs, i * 100 * kMs, i * 100 * kMs + 50 * kMs, true, 5.0, 50.0});
  }
  s->on_credit_returned({900 * kMs, 900 * kMs, 1400 * kMs, true, 5.0, 500.0});
  Credit boundary = s->next_credit({});
  EXPECT_EQ(boundary.send_at_ns, kSec);
  s->next_credit({kSec, 11, 1, 10});  // decides interval 1's rate
  auto results = s->intervals();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].samples, 9u);
  EXPECT_TRUE(results[0].held);
  EXPECT_DOUBLE_EQ(results[0].observed_ms, 50);
  EXPECT_DOUBLE_EQ(s->current_rate(), 15);
  EXPECT_EQ(results[1].samples, 1u);  // the slow one, in the interval it completed in
}

TEST(AdaptiveRateTest, AnIntervalWithNoCompletionsBreaks) {
  auto c = base_config();
  c["max_intervals"] = 2;
  auto s = make(c);
  // Every request takes 3 s: nothing completes within interval 0.
  simulate(*s, [](double, int64_t) { return Response{3000, 3000, true}; }, 60 * kSec);
  auto results = s->intervals();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].samples, 0u);
  EXPECT_FALSE(results[0].held);
  EXPECT_EQ(results[1].rate, 5);
  EXPECT_NE(s->summary().find("(no request completed)"), std::string::npos) << s->summary();
}

TEST(AdaptiveRateTest, TtftFallsBackToLatencyForUnstreamedAnswers) {
  auto s = make(base_config());
  s->next_credit({});
  s->on_credit_returned({0, 0, 200 * kMs, true, std::nullopt, 200.0});
  auto results = s->intervals();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].samples, 1u);
  EXPECT_DOUBLE_EQ(results[0].observed_ms, 200);
}

TEST(AdaptiveRateTest, MaxRateCapsTheRate) {
  auto c = base_config();
  c["max_rate"] = 20;
  c["max_intervals"] = 4;
  auto s = make(c);
  simulate(*s, [](double, int64_t) { return Response{}; }, 60 * kSec);
  EXPECT_EQ(rates(*s), (std::vector<double>{10, 15, 20, 20}));
}

TEST(AdaptiveRateTest, SummaryOfAPhaseCutShortReportsWhatRan) {
  auto s = make(base_config());
  // The engine's request count ends the phase in the middle of interval 1.
  auto sim = simulate(*s, [](double, int64_t) { return Response{}; }, 60 * kSec, /*max_sends=*/14);
  EXPECT_EQ(rates(*s), (std::vector<double>{10, 15}));
  EXPECT_NE(sim.summary.find("highest rate that held: 15.00 req/s"), std::string::npos) << sim.summary;
  EXPECT_NE(sim.summary.find("2 intervals"), std::string::npos) << sim.summary;
}

TEST(AdaptiveRateTest, ALaggingEngineStillGetsTheSameSchedule) {
  auto c = base_config();
  c["max_intervals"] = 3;
  auto punctual = make(c);
  auto lagging = make(c);
  auto a = simulate(*punctual, [](double, int64_t) { return Response{}; }, 60 * kSec);
  auto b = simulate(*lagging, [](double, int64_t) { return Response{}; }, 60 * kSec, 100000, 2 * kMs);
  EXPECT_EQ(a.sends, b.sends);  // scheduled times are absolute: lag does not accumulate
}

}  // namespace
}  // namespace aiperf_plugins::adaptive_rate
