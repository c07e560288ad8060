#include "collectors/collector_host.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace aiperf::collectors {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Counts its calls; can throw or block in any of them.
struct Script {
  std::atomic<int> starts{0}, samples{0}, stops{0};
  bool throw_in_sample = false, throw_in_start = false;
  std::chrono::milliseconds start_sleep{0}, sample_sleep{0}, stop_sleep{0};
  std::atomic<bool> release{false};  // a blocked call returns once set
};

class ScriptedCollector final : public Collector {
 public:
  explicit ScriptedCollector(std::shared_ptr<Script> s) : s_(std::move(s)) {}
  std::chrono::milliseconds period() const override { return 20ms; }
  void start(const CollectorStart& phase) override {
    ++s_->starts;
    phase_ = phase.phase;
    wait(s_->start_sleep);
    if (s_->throw_in_start) throw std::runtime_error("no baseline");
  }
  void sample(int64_t wall_ns) override {
    ++s_->samples;
    last_ns_ = wall_ns;
    wait(s_->sample_sleep);
    if (s_->throw_in_sample) throw std::runtime_error("scrape exploded");
  }
  CollectorResult stop(const CollectorStop& phase) override {
    ++s_->stops;
    wait(s_->stop_sleep);
    CollectorResult r;
    r.stats.push_back({"phase_tokens", "Tokens", "tokens", "derived", {{"value", static_cast<double>(phase.output_tokens)}}});
    r.document["phase"] = phase_;
    return r;
  }

 private:
  void wait(std::chrono::milliseconds d) {
    auto until = Clock::now() + d;
    while (Clock::now() < until && !s_->release) std::this_thread::sleep_for(1ms);
  }
  std::shared_ptr<Script> s_;
  std::string phase_;
  int64_t last_ns_ = 0;
};

PhaseStats phase(std::string name, int64_t output_tokens = 0) {
  PhaseStats s;
  s.phase = std::move(name);
  MetricSummary osl;
  osl.tag = "output_sequence_length";
  osl.count = 4;
  osl.avg = static_cast<double>(output_tokens) / 4;
  s.metrics.push_back(osl);
  return s;
}

TEST(CollectorHostTest, StartsSamplesOnItsPeriodAndStopsWithTheClientTotals) {
  auto script = std::make_shared<Script>();
  CollectorHost host;
  host.add("scripted", std::make_unique<ScriptedCollector>(script), "http://127.0.0.1:1");
  host.start_phase(phase("profiling"));
  EXPECT_EQ(script->starts, 1);  // the baseline is taken before the phase goes on
  std::this_thread::sleep_for(300ms);
  host.stop_phase(phase("profiling", 1234));
  ASSERT_EQ(host.outcomes().size(), 1u);
  const auto& o = host.outcomes()[0];
  ASSERT_TRUE(o.result);
  EXPECT_EQ(o.result->stats[0].values[0].second, 1234);
  EXPECT_EQ(o.result->document["phase"], "profiling");
  // 300 ms at a 20 ms period: generous bounds for a loaded machine.
  EXPECT_GE(o.samples, 3u);
  EXPECT_LE(o.samples, 16u);
  EXPECT_TRUE(o.problems.empty());
  int after_stop = script->samples;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(script->samples, after_stop) << "no sampling between phases";
}

TEST(CollectorHostTest, ReportsACollectorThatThrowsAndStillStopsIt) {
  auto script = std::make_shared<Script>();
  script->throw_in_start = script->throw_in_sample = true;
  CollectorHost host;
  host.add("thrower", std::make_unique<ScriptedCollector>(script), "");
  host.start_phase(phase("profiling"));
  std::this_thread::sleep_for(100ms);
  host.stop_phase(phase("profiling"));
  const auto& o = host.outcomes().at(0);
  EXPECT_TRUE(o.result);
  ASSERT_GE(o.problems.size(), 2u);
  EXPECT_NE(o.problems[0].find("start() threw: no baseline"), std::string::npos) << o.problems[0];
  EXPECT_NE(o.problems[1].find("sample() threw: scrape exploded"), std::string::npos) << o.problems[1];
}

TEST(CollectorHostTest, AHangingSampleHoldsThePhaseEndOnlyUpToTheBound) {
  auto script = std::make_shared<Script>();
  script->sample_sleep = 60s;
  CollectorHost host(CollectorHostOptions{200ms, 300ms});
  host.add("hang", std::make_unique<ScriptedCollector>(script), "");
  host.start_phase(phase("warmup"));
  std::this_thread::sleep_for(100ms);  // now inside the hanging sample
  auto began = Clock::now();
  host.stop_phase(phase("warmup"));
  auto waited = Clock::now() - began;
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 3s);
  const auto& o = host.outcomes().at(0);
  EXPECT_FALSE(o.result);
  ASSERT_FALSE(o.problems.empty());
  EXPECT_NE(o.problems[0].find("did not finish within 300 ms"), std::string::npos) << o.problems[0];
  // The next phase does not wait on it either.
  began = Clock::now();
  host.start_phase(phase("profiling"));
  EXPECT_LT(Clock::now() - began, 150ms);
  script->release = true;  // let the thread go so the host can be destroyed cleanly
}

TEST(CollectorHostTest, AHangingStartDelaysThePhaseOnlyUpToTheStartBound) {
  auto script = std::make_shared<Script>();
  script->start_sleep = 60s;
  CollectorHost host(CollectorHostOptions{100ms, 200ms});
  host.add("slow_start", std::make_unique<ScriptedCollector>(script), "");
  auto began = Clock::now();
  host.start_phase(phase("profiling"));
  auto waited = Clock::now() - began;
  EXPECT_GE(waited, 90ms);
  EXPECT_LT(waited, 2s);
  host.stop_phase(phase("profiling"));
  const auto& o = host.outcomes().at(0);
  EXPECT_FALSE(o.result);
  EXPECT_NE(o.problems.at(0).find("start() did not return within 100 ms"), std::string::npos) << o.problems[0];
  script->release = true;
}

TEST(CollectorHostTest, AHangingStopIsAbandonedAfterTheStopBound) {
  auto script = std::make_shared<Script>();
  script->stop_sleep = 60s;
  CollectorHost host(CollectorHostOptions{100ms, 200ms});
  host.add("slow_stop", std::make_unique<ScriptedCollector>(script), "");
  host.start_phase(phase("profiling"));
  auto began = Clock::now();
  host.stop_phase(phase("profiling"));
  EXPECT_LT(Clock::now() - began, 3s);
  EXPECT_FALSE(host.outcomes().at(0).result);
  script->release = true;
}

TEST(CollectorHostTest, TokenTotalsComeFromThePhaseSummaries) {
  PhaseStats s = phase("profiling", 1000);
  MetricSummary isl;
  isl.tag = "input_sequence_length";
  isl.count = 3;
  isl.avg = 512.0 / 3;
  s.metrics.push_back(isl);
  auto stop = collector_stop_from(s);
  EXPECT_EQ(stop.output_tokens, 1000);
  EXPECT_EQ(stop.input_tokens, 512);
}

}  // namespace
}  // namespace aiperf::collectors
