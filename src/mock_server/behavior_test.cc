#include "mock_server/behavior.h"

#include <gtest/gtest.h>

#include <map>

namespace aiperf::mock_server {
namespace {

HeaderLookup headers(std::map<std::string, std::string> h) {
  return [h = std::move(h)](std::string_view name) -> std::optional<std::string_view> {
    auto it = h.find(std::string(name));
    if (it == h.end()) return std::nullopt;
    return std::string_view(it->second);
  };
}

TEST(MockBehaviorTest, FaultNamesRoundTrip) {
  for (Fault f : kInjectableFaults) EXPECT_EQ(parse_fault(to_string(f)), f);
  EXPECT_EQ(parse_fault("none"), Fault::none);
  EXPECT_FALSE(parse_fault("explode"));
}

TEST(MockBehaviorTest, ParsesFaultRates) {
  auto ok = parse_fault_rate("reset=12.5");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->fault, Fault::reset);
  EXPECT_DOUBLE_EQ(ok->percent, 12.5);
  EXPECT_FALSE(parse_fault_rate("reset"));
  EXPECT_FALSE(parse_fault_rate("bogus=5"));
  EXPECT_FALSE(parse_fault_rate("none=5"));
  EXPECT_FALSE(parse_fault_rate("stall=101"));
  EXPECT_FALSE(parse_fault_rate("stall=abc"));
}

TEST(MockBehaviorTest, RejectsPercentagesAbove100InTotal) {
  BehaviorConfig c;
  c.error_rate = 60;
  c.fault_rates = {{Fault::stall, 30}};
  EXPECT_TRUE(validate(c));
  c.fault_rates.push_back({Fault::reset, 20});
  EXPECT_FALSE(validate(c));
}

TEST(MockBehaviorTest, SameSeedSameFaults) {
  BehaviorConfig c;
  c.error_rate = 25;
  c.fault_rates = {{Fault::reset, 25}};
  c.seed = 42;
  Behavior a(c), b(c);
  int errors = 0, resets = 0;
  for (int i = 0; i < 4000; ++i) {
    const Plan pa = a.next({});
    EXPECT_EQ(pa.fault, b.next({}).fault);
    errors += pa.fault == Fault::http_500;
    resets += pa.fault == Fault::reset;
  }
  EXPECT_NEAR(errors, 1000, 120);
  EXPECT_NEAR(resets, 1000, 120);
  c.seed = 43;
  Behavior other(c);
  int differences = 0;
  for (std::uint64_t i = 0; i < 100; ++i) differences += other.plan_for(i, {}).fault != a.plan_for(i, {}).fault;
  EXPECT_GT(differences, 0);
}

TEST(MockBehaviorTest, TtftJitterIsSeededExponentialAndLeavesFaultsAlone) {
  BehaviorConfig c;
  c.ttft_ms = 20;
  c.error_rate = 10;
  c.seed = 7;
  Behavior plain(c);
  c.ttft_jitter_ms = 5;
  Behavior jittered(c), again(c);
  double sum = 0;
  constexpr int kRequests = 4000;
  for (std::uint64_t i = 0; i < kRequests; ++i) {
    const Plan p = jittered.plan_for(i, {});
    EXPECT_EQ(p.ttft_ms, again.plan_for(i, {}).ttft_ms);
    EXPECT_GE(p.ttft_ms, 20);
    EXPECT_EQ(p.fault, plain.plan_for(i, {}).fault);
    sum += p.ttft_ms - 20;
  }
  EXPECT_NEAR(sum / kRequests, 5, 0.5);  // exponential mean 5; its standard error here is 0.08
}

TEST(MockBehaviorTest, ResetRestartsTheSequence) {
  BehaviorConfig c;
  c.error_rate = 50;
  c.seed = 1;
  Behavior b(c);
  std::vector<Fault> first, second;
  for (int i = 0; i < 32; ++i) first.push_back(b.next({}).fault);
  b.reset();
  for (int i = 0; i < 32; ++i) second.push_back(b.next({}).fault);
  EXPECT_EQ(first, second);
}

TEST(MockBehaviorTest, HeaderOverridesWin) {
  BehaviorConfig c;
  c.error_rate = 100;
  c.ttft_ms = 50;
  c.itl_ms = 5;
  Behavior b(c);
  EXPECT_EQ(b.next({}).fault, Fault::http_500);
  Overrides o;
  o.fault = Fault::none;
  o.itl_ms = 1.5;
  const Plan p = b.next(o);
  EXPECT_EQ(p.fault, Fault::none);
  EXPECT_DOUBLE_EQ(p.ttft_ms, 50);
  EXPECT_DOUBLE_EQ(p.itl_ms, 1.5);
}

TEST(MockBehaviorTest, FastIgnoresConfiguredLatencyButNotHeaders) {
  BehaviorConfig c;
  c.ttft_ms = 50;
  c.itl_ms = 5;
  c.fast = true;
  Behavior b(c);
  Plan p = b.next({});
  EXPECT_EQ(p.ttft_ms, 0);
  EXPECT_EQ(p.itl_ms, 0);
  Overrides o;
  o.ttft_ms = 7;
  EXPECT_EQ(b.next(o).ttft_ms, 7);
}

TEST(MockBehaviorTest, ParsesOverrideHeaders) {
  auto o = parse_overrides(headers({{"x-mock-fault", "stall"},
                                    {"x-mock-ttft-ms", "12.5"},
                                    {"x-mock-itl-ms", "3"},
                                    {"x-mock-fault-after", "4"}}));
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->fault, Fault::stall);
  EXPECT_EQ(o->ttft_ms, 12.5);
  EXPECT_EQ(o->itl_ms, 3);
  EXPECT_EQ(o->fault_after, 4);
  EXPECT_FALSE(parse_overrides(headers({{"x-mock-fault", "boom"}})));
  EXPECT_FALSE(parse_overrides(headers({{"x-mock-ttft-ms", "-1"}})));
  EXPECT_FALSE(parse_overrides(headers({{"x-mock-itl-ms", "fast"}})));
  EXPECT_FALSE(parse_overrides(headers({{"x-mock-fault-after", "1.5"}})));
  EXPECT_TRUE(parse_overrides(headers({})));
}

}  // namespace
}  // namespace aiperf::mock_server

namespace aiperf::mock_server {
namespace {

std::vector<std::uint64_t> ids(std::uint64_t first, std::size_t n) {
  std::vector<std::uint64_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = first + i;
  return v;
}

TEST(PrefixCacheTest, HitsOnlyFullBlocksOfARepeatedPrefix) {
  const std::size_t block = 4;
  PrefixCache cache({16, block});
  auto prompt = ids(100, 3 * block + 1);  // three full blocks and a partial one
  CacheLookup first = cache.lookup_and_insert(prompt);
  EXPECT_EQ(first.hit_blocks, 0);
  EXPECT_EQ(first.miss_blocks, 3);
  CacheLookup again = cache.lookup_and_insert(prompt);
  EXPECT_EQ(again.hit_blocks, 3);
  EXPECT_EQ(again.cached_tokens, static_cast<int>(3 * block));
}

TEST(PrefixCacheTest, ABlockHitsOnlyAfterTheSamePrefix) {
  const std::size_t block = 4;
  PrefixCache cache({16, block});
  auto a = ids(0, 2 * block);
  cache.lookup_and_insert(a);
  auto b = a;
  b[0] = 999;  // first block differs, second block's tokens are the same
  CacheLookup r = cache.lookup_and_insert(b);
  EXPECT_EQ(r.hit_blocks, 0);
  EXPECT_EQ(r.miss_blocks, 2);
  auto c = a;
  c[block] = 999;  // same first block, different second
  r = cache.lookup_and_insert(c);
  EXPECT_EQ(r.hit_blocks, 1);
  EXPECT_EQ(r.miss_blocks, 1);
}

TEST(PrefixCacheTest, EvictsLeastRecentlyUsedBlocks) {
  const std::size_t block = 2, capacity = 3;
  PrefixCache cache({capacity, block});
  auto a = ids(0, capacity * block);
  cache.lookup_and_insert(a);
  cache.lookup_and_insert(ids(1000, block));  // one new block pushes out a's tail block
  CacheLookup r = cache.lookup_and_insert(a);
  EXPECT_EQ(r.hit_blocks, static_cast<int>(capacity - 1));
  EXPECT_EQ(r.miss_blocks, 1);
}

TEST(PrefixCacheTest, DisabledCacheAndResetHitNothing) {
  PrefixCache off({0, 4});
  EXPECT_FALSE(off.enabled());
  EXPECT_EQ(off.lookup_and_insert(ids(0, 8)).miss_blocks, 0);
  PrefixCache cache({8, 4});
  cache.lookup_and_insert(ids(0, 8));
  cache.reset();
  EXPECT_EQ(cache.lookup_and_insert(ids(0, 8)).hit_blocks, 0);
}

TEST(PrefixCacheTest, PrefillCostsPerUncachedTokenUnlessFastOrOverridden) {
  BehaviorConfig config;
  config.prefill_us_per_token = 250;
  Behavior behavior(config);
  const int uncached = 40;
  EXPECT_DOUBLE_EQ(behavior.prefill_ms(uncached, {}), config.prefill_us_per_token * uncached / 1000.0);
  Overrides ttft;
  ttft.ttft_ms = 1;
  EXPECT_EQ(behavior.prefill_ms(uncached, ttft), 0);
  config.fast = true;
  EXPECT_EQ(Behavior(config).prefill_ms(uncached, {}), 0);
}

}  // namespace
}  // namespace aiperf::mock_server
