#include "mock_server/options.h"

#include <gtest/gtest.h>

namespace aiperf::mock_server {
namespace {

ParseOutcome parse(std::vector<const char*> args) {
  args.insert(args.begin(), "aiperf-mock-server");
  return parse_options(static_cast<int>(args.size()), args.data());
}

TEST(MockOptionsTest, DefaultsFollowAiperfMockServer) {
  auto p = parse({});
  ASSERT_TRUE(p.options) << p.message;
  EXPECT_EQ(p.options->host, "127.0.0.1");
  EXPECT_EQ(p.options->port, 8000);
  EXPECT_EQ(p.options->threads, 1);
  EXPECT_EQ(p.options->behavior.ttft_ms, 0);
  EXPECT_EQ(p.options->behavior.itl_ms, 0);
  EXPECT_FALSE(p.options->behavior.fast);
  EXPECT_EQ(p.options->defaults.output_tokens, 16);
}

TEST(MockOptionsTest, ParsesEveryFlag) {
  auto p = parse({"--host", "0.0.0.0", "--port", "0", "--ttft", "50", "--itl", "5.5", "--error-rate", "10",
                  "--random-seed", "7", "--fast", "--threads", "2", "--fault", "reset=5", "--fault", "stall=1",
                  "--osl", "32", "--record", "/tmp/r.jsonl", "--model", "a", "--model", "b", "--embedding-dim", "8", "--max-records", "10"});
  ASSERT_TRUE(p.options) << p.message;
  const Options& o = *p.options;
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.port, 0);
  EXPECT_EQ(o.behavior.ttft_ms, 50);
  EXPECT_EQ(o.behavior.itl_ms, 5.5);
  EXPECT_EQ(o.behavior.error_rate, 10);
  EXPECT_EQ(o.behavior.seed, 7u);
  EXPECT_TRUE(o.behavior.fast);
  EXPECT_EQ(o.threads, 2);
  ASSERT_EQ(o.behavior.fault_rates.size(), 2u);
  EXPECT_EQ(o.behavior.fault_rates[0].fault, Fault::reset);
  EXPECT_EQ(o.defaults.output_tokens, 32);
  EXPECT_EQ(o.defaults.embedding_dim, 8);
  EXPECT_EQ(o.record_path, "/tmp/r.jsonl");
  EXPECT_EQ(o.max_records, 10u);
  EXPECT_EQ(o.models, (std::vector<std::string>{"a", "b"}));
}

TEST(MockOptionsTest, PrefixCacheFlagsTurnOnPromptIds) {
  auto off = parse({});
  ASSERT_TRUE(off.options);
  EXPECT_EQ(off.options->prefix_cache.blocks, 0u);
  EXPECT_EQ(off.options->prefix_cache.block_size, 512u);
  EXPECT_FALSE(off.options->defaults.prompt_ids);
  auto on = parse({"--prefix-cache-blocks", "100", "--block-size", "16", "--prefill-us-per-token", "2.5"});
  ASSERT_TRUE(on.options) << on.message;
  EXPECT_EQ(on.options->prefix_cache.blocks, 100u);
  EXPECT_EQ(on.options->prefix_cache.block_size, 16u);
  EXPECT_DOUBLE_EQ(on.options->behavior.prefill_us_per_token, 2.5);
  EXPECT_TRUE(on.options->defaults.prompt_ids);
  EXPECT_FALSE(parse({"--block-size", "0"}).options);
  EXPECT_FALSE(parse({"--prefill-us-per-token", "-1"}).options);
}

TEST(MockOptionsTest, RejectsBadValues) {
  for (auto args : std::vector<std::vector<const char*>>{{"--error-rate", "101"},
                                                          {"--ttft", "-1"},
                                                          {"--port", "70000"},
                                                          {"--fault", "boom=5"},
                                                          {"--fault", "reset=60", "--error-rate", "50"},
                                                          {"--threads", "0"},
                                                          {"--nope"}}) {
    auto p = parse(args);
    EXPECT_FALSE(p.options) << args[0];
    EXPECT_NE(p.exit_code, 0);
    EXPECT_FALSE(p.message.empty());
  }
}

TEST(MockOptionsTest, HelpExitsZero) {
  auto p = parse({"--help"});
  EXPECT_FALSE(p.options);
  EXPECT_EQ(p.exit_code, 0);
  EXPECT_NE(p.message.find("--error-rate"), std::string::npos);
}

}  // namespace
}  // namespace aiperf::mock_server
