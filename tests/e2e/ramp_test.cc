// Ramps end to end against the real mock: the realised concurrency and send rate
// over time follow --concurrency-ramp-duration / --request-rate-ramp-duration, and
// the JSONL marks the requests sent during the ramp (metadata.in_ramp). Wall-clock
// bound (label `timing`); the bounds are generous, a step or a few requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"

namespace aiperf {
namespace {

using nlohmann::json;
using testing::MockServerProcess;
using testing::TempDir;
using testing::profile;

struct Span {
  double start_s, end_s;
  bool in_ramp;
};

// Every record's [start, end) in seconds from the first send, with its in_ramp mark.
std::vector<Span> spans(const std::vector<json>& records) {
  int64_t t0 = INT64_MAX;
  for (const auto& r : records) t0 = std::min(t0, r["metadata"]["request_start_ns"].get<int64_t>());
  std::vector<Span> out;
  for (const auto& r : records) {
    const auto& md = r["metadata"];
    EXPECT_TRUE(md.contains("in_ramp")) << md.dump();
    out.push_back({(md["request_start_ns"].get<int64_t>() - t0) / 1e9, (md["request_end_ns"].get<int64_t>() - t0) / 1e9,
                   md.value("in_ramp", false)});
  }
  return out;
}

std::size_t in_flight_at(const std::vector<Span>& s, double t) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [t](const Span& x) { return x.start_s <= t && t < x.end_s; }));
}

// `workers` event loops together: a split run's parts share the ramp's slots (docs/scaling.md).
void expect_a_stepwise_concurrency_ramp(int workers) {
  const int target = 8;
  const double ramp_s = 2.0, ttft_ms = 150;
  MockServerProcess server({"--ttft", std::to_string(ttft_ms), "--itl", "1"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--streaming --osl 4 --concurrency " + std::to_string(target) + " --concurrency-ramp-duration " +
                         std::to_string(ramp_s) + " --benchmark-duration 3.5 --benchmark-grace-period 5 --workers " +
                         std::to_string(workers));
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err << run.result.out;
  if (workers > 1) {
    ASSERT_EQ(run.aggregate["workers"].size(), static_cast<std::size_t>(workers)) << run.aggregate.dump();
  }
  auto s = spans(run.records);
  ASSERT_GT(s.size(), 20u);
  // Never above the ramp's limit 1 + floor((N - 1) t / S), sampled every 10 ms; the phase clock may
  // run up to 20 ms ahead of the first send's timestamp.
  for (double t = 0; t < 3.4; t += 0.01) {
    const double phase_t = t + 0.02;
    const auto limit = phase_t >= ramp_s ? target : 1 + static_cast<int>((target - 1) * phase_t / ramp_s);
    ASSERT_LE(in_flight_at(s, t), static_cast<std::size_t>(limit)) << "t=" << t;
  }
  // And it does rise: full after the ramp, and already over half-way at three quarters of it.
  std::size_t peak_mid = 0, peak_after = 0;
  for (double t = 0.7 * ramp_s; t < 0.8 * ramp_s; t += 0.01) peak_mid = std::max(peak_mid, in_flight_at(s, t));
  for (double t = ramp_s + 0.3; t < 3.3; t += 0.01) peak_after = std::max(peak_after, in_flight_at(s, t));
  EXPECT_GE(peak_mid, static_cast<std::size_t>(target / 2)) << "the limit did not rise during the ramp";
  EXPECT_EQ(peak_after, static_cast<std::size_t>(target));
  for (const auto& x : s) {
    if (x.start_s < ramp_s - 0.1) {
      EXPECT_TRUE(x.in_ramp) << x.start_s;
    } else if (x.start_s > ramp_s + 0.1) {
      EXPECT_FALSE(x.in_ramp) << x.start_s;
    }
  }
}

TEST(RampE2ETest, ConcurrencyRampRaisesTheInFlightCountStepByStep) { expect_a_stepwise_concurrency_ramp(1); }

TEST(RampE2ETest, ASplitConcurrencyRampStillRisesStepByStepAcrossTheWorkers) { expect_a_stepwise_concurrency_ramp(2); }

TEST(RampE2ETest, RequestRateRampFollowsTheLineThenHoldsTheTarget) {
  const double rate = 100, ramp_s = 2.0, f = 0.1 / ramp_s;  // AIPerf's start rate R * 0.1 / S
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--request-rate " + std::to_string(rate) + " --arrival-pattern constant --request-count 300" +
                         " --request-rate-ramp-duration " + std::to_string(ramp_s));
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err << run.result.out;
  auto s = spans(run.records);
  ASSERT_EQ(s.size(), 300u);
  // Sends per 250 ms bin against the integral of rate(t) over the bin.
  auto sent_by = [&](double t) { return t <= ramp_s ? rate * (f * t + (1 - f) * t * t / (2 * ramp_s))
                                                    : rate * (ramp_s * (1 + f) / 2 + (t - ramp_s)); };
  const double bin = 0.25;
  for (double a = 0; a + bin <= 2.75; a += bin) {
    const double expected = sent_by(a + bin) - sent_by(a);
    const auto got = std::count_if(s.begin(), s.end(), [&](const Span& x) { return x.start_s >= a && x.start_s < a + bin; });
    EXPECT_NEAR(static_cast<double>(got), expected, 3 + 0.1 * expected) << "bin at " << a << " s";
  }
  const auto marked = std::count_if(s.begin(), s.end(), [](const Span& x) { return x.in_ramp; });
  EXPECT_NEAR(static_cast<double>(marked), sent_by(ramp_s), 1.0);  // exactly those scheduled before the ramp ended
}

// Warmup requests are not in the JSONL: their spans come from the mock's records, from the (kernel-
// stamped) arrival to when the last write was issued. Each request sits inside its client-side span
// (the client cannot have read the last bytes before they were written), so the server's in-flight
// count is a lower bound of the client's and never exceeds the client's limit either. (The record's
// duration ends when that write completed, which on a busy machine can come after the client has
// read it and sent its next request.)
std::vector<Span> warmup_spans(const MockServerProcess& server, std::size_t warmup_requests) {
  std::vector<Span> out;
  for (const auto& r : testing::mock_json(server, "/mock/records")) {
    const double start = r["arrival_unix_ms"].get<double>() / 1e3;
    out.push_back({start, start + r["last_write_ms"].get<double>() / 1e3, false});
  }
  std::sort(out.begin(), out.end(), [](const Span& a, const Span& b) { return a.start_s < b.start_s; });
  if (out.size() > warmup_requests) out.resize(warmup_requests);  // warmup arrives before profiling
  const double t0 = out.empty() ? 0 : out.front().start_s;
  for (auto& x : out) x.start_s -= t0, x.end_s -= t0;
  return out;
}

// The peak in-flight count of the warmup phase in [from, to) s after its first send, and the
// number of warmup requests (its count: --warmup-request-count).
std::size_t warmup_peak(const std::string& ramp_flags, double from, double to, bool check_limit) {
  const int target = 4;
  const double ramp_s = 0.8;
  MockServerProcess server({"--ttft", "120", "--itl", "1"});
  TempDir dir;
  auto run = profile(server, dir,
                     "--streaming --osl 4 --concurrency 4 --warmup-request-count 30 --request-count 4 " + ramp_flags);
  EXPECT_EQ(run.result.exit_code, 0) << run.result.err << run.result.out;
  auto s = warmup_spans(server, 30);
  EXPECT_EQ(s.size(), 30u);
  for (double t = 0; check_limit && t < 1.2; t += 0.01) {
    const double phase_t = t + 0.02;  // the phase clock may run ahead of the first arrival
    const auto limit = phase_t >= ramp_s ? target : 1 + static_cast<int>((target - 1) * phase_t / ramp_s);
    EXPECT_LE(in_flight_at(s, t), static_cast<std::size_t>(limit)) << "t=" << t;
  }
  std::size_t peak = 0;
  for (double t = from; t < to; t += 0.005) peak = std::max(peak, in_flight_at(s, t));
  return peak;
}

TEST(RampE2ETest, WarmupConcurrencyRampRaisesWarmupsInFlightCountStepByStep) {
  EXPECT_EQ(warmup_peak("--warmup-concurrency-ramp-duration 0.8", 0, 0.2, true), 1u) << "warmup starts at 1";
  EXPECT_EQ(warmup_peak("--warmup-concurrency-ramp-duration 0.8", 0.9, 1.3, true), 4u) << "and reaches --concurrency";
  // Inherited from the profiling ramp, as AIPerf does; and the control, without any ramp.
  EXPECT_EQ(warmup_peak("--concurrency-ramp-duration 0.8", 0, 0.2, true), 1u);
  EXPECT_EQ(warmup_peak("", 0, 0.2, false), 4u) << "without a ramp, warmup is full at once";
}

// Warmup requests arriving in the first quarter second at --request-rate 100, with these ramp flags.
std::size_t warmup_sends_in_first_quarter(const std::string& ramp_flags) {
  MockServerProcess server({"--fast"});
  TempDir dir;
  auto run = profile(server, dir, "--request-rate 100 --arrival-pattern constant --warmup-request-count 60 "
                                  "--request-count 5 " + ramp_flags);
  EXPECT_EQ(run.result.exit_code, 0) << run.result.err << run.result.out;
  auto s = warmup_spans(server, 60);
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](const Span& x) { return x.start_s < 0.25; }));
}

TEST(RampE2ETest, WarmupRequestRateRampStartsWarmupSlow) {
  // The ramp's integral over 0.25 s: 100 * (0.1 * 0.25 + 0.9 * 0.25^2 / 2) = 5.3 sends; 25 without.
  EXPECT_LE(warmup_sends_in_first_quarter("--warmup-request-rate-ramp-duration 1"), 9u);
  EXPECT_GE(warmup_sends_in_first_quarter(""), 20u);
}

}  // namespace
}  // namespace aiperf
