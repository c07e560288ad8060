#include "run/run_plan.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "support/test_support.h"
#include "tokenizer/testing/test_data.h"

namespace aiperf::run {
namespace {

config::ProfileOptions options_in(const testing::TempDir& dir) {
  config::ProfileOptions o;
  o.model = "m";
  o.url = "http://127.0.0.1:9";
  o.request_count = 1;
  o.ui = config::UiMode::kNone;
  o.artifact_dir = (dir.path() / "out").string();
  o.phase_hook_isolation = config::HookIsolation::kNone;
  return o;
}

TEST(RunPlanTest, WithATokenizerSyntheticPromptsAreExactlyTheirLength) {
  auto path = tokenizer::testing::lenml_tokenizer("llama3");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path << ": run scripts/fetch-test-data.sh";
  testing::TempDir dir;
  auto o = options_in(dir);
  o.tokenizer = path.string();
  o.isl = 120;
  o.isl_stddev = 30;
  o.num_dataset_entries = 200;
  auto plan = make_run_plan({}, o);
  ASSERT_TRUE(plan) << plan.error()[0].describe();
  ASSERT_TRUE(plan->tokenizer);
  ASSERT_EQ(plan->data.entries.size(), 200u);
  bool lengths_vary = false;
  for (const auto& e : plan->data.entries) {
    EXPECT_TRUE(e.tokens_exact);
    EXPECT_EQ(plan->tokenizer->count(e.prompt, {false, true}), e.prompt_words) << e.prompt;
    lengths_vary = lengths_vary || e.prompt_words != 120;
  }
  EXPECT_TRUE(lengths_vary) << "--isl-stddev 30 should spread the lengths";
}

TEST(RunPlanTest, WithATokenizerSharedPrefixesAreExactlyTheirLength) {
  auto path = tokenizer::testing::lenml_tokenizer("llama3");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path << ": run scripts/fetch-test-data.sh";
  testing::TempDir dir;
  auto o = options_in(dir);
  o.tokenizer = path.string();
  o.isl = 50;
  o.num_dataset_entries = 60;
  o.shared_system_prompt_length = 77;
  o.num_prefix_prompts = 4;
  o.prefix_prompt_length = 33;
  o.user_context_prompt_length = 21;
  auto plan = make_run_plan({}, o);
  ASSERT_TRUE(plan) << plan.error()[0].describe();
  const auto& tok = *plan->tokenizer;
  std::set<std::vector<tokenizer::TokenId>> pooled;
  for (const auto& e : plan->data.entries) {
    ASSERT_EQ(e.messages.size(), 2u);
    EXPECT_EQ(tok.count(e.messages[0].content, {false, true}), o.shared_system_prompt_length);
    EXPECT_EQ(e.messages[0].content, plan->data.entries[0].messages[0].content);
    // context + pooled prefix + prompt re-encode to exactly the sum: nothing merged at the seams.
    auto ids = tok.encode(e.messages[1].content, {false, true});
    ASSERT_EQ(ids.size(), o.user_context_prompt_length + o.prefix_prompt_length + o.isl);
    auto from = ids.begin() + static_cast<std::ptrdiff_t>(o.user_context_prompt_length);
    pooled.insert(std::vector<tokenizer::TokenId>(from, from + static_cast<std::ptrdiff_t>(o.prefix_prompt_length)));
    EXPECT_EQ(e.prompt_words, o.shared_system_prompt_length + ids.size());
  }
  EXPECT_EQ(pooled.size(), o.num_prefix_prompts);
}

TEST(RunPlanTest, WithATokenizerTraceBlocksAreExactAndSharedByHashId) {
  auto path = tokenizer::testing::lenml_tokenizer("qwen3");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path << ": run scripts/fetch-test-data.sh";
  testing::TempDir dir;
  const std::size_t block = 64;
  testing::write_file(dir.path() / "t.jsonl",
                      "{\"input_length\": 150, \"output_length\": 3, \"hash_ids\": [4, 5, 6]}\n"
                      "{\"input_length\": 128, \"output_length\": 3, \"hash_ids\": [4, 5]}\n"
                      "{\"input_length\": 100, \"output_length\": 3, \"hash_ids\": [4, 8]}\n");
  auto o = options_in(dir);
  o.tokenizer = path.string();
  o.block_size = block;
  o.custom_dataset_type = "mooncake_trace";
  o.input_files = {(dir.path() / "t.jsonl").string()};
  auto plan = make_run_plan({}, o);
  ASSERT_TRUE(plan) << plan.error()[0].describe();
  const auto& tok = *plan->tokenizer;
  std::vector<std::vector<tokenizer::TokenId>> ids;
  for (const auto& e : plan->data.entries) ids.push_back(tok.encode(e.prompt, {false, true}));
  const std::vector<std::size_t> lengths = {150, 128, 100};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i].size(), lengths[i]);
    EXPECT_EQ(plan->data.entries[i].prompt_words, lengths[i]);
    EXPECT_TRUE(plan->data.entries[i].tokens_exact);
  }
  auto prefix = [&](std::size_t i, std::size_t n) { return std::vector(ids[i].begin(), ids[i].begin() + n); };
  EXPECT_EQ(prefix(0, 2 * block), prefix(1, 2 * block));  // ids 4, 5
  EXPECT_EQ(prefix(0, block), prefix(2, block));          // id 4
  EXPECT_NE(prefix(0, 2 * block), prefix(2, 2 * block));  // 5 vs 8
}

// bailian_trace and burst_gpt_trace take the mooncake path: exact lengths, and their timestamps
// (seconds) become the fixed schedule (ms).
TEST(RunPlanTest, WithATokenizerBailianAndBurstGptTracesAreExactAndSelectTheirSchedule) {
  auto path = tokenizer::testing::lenml_tokenizer("llama3");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path << ": run scripts/fetch-test-data.sh";
  testing::TempDir dir;
  testing::write_file(dir.path() / "b.csv",
                      "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
                      "0.5,ChatGPT,37,5,42,Conversation log\n2.25,GPT-4,300,9,309,API log\n");
  testing::write_file(dir.path() / "q.jsonl",
                      R"({"chat_id": 1, "parent_chat_id": -1, "timestamp": 3, "input_length": 50, )"
                      R"("output_length": 4, "turn": 1, "hash_ids": [7, 8, 9, 10]})" "\n"
                      R"({"chat_id": 2, "parent_chat_id": 1, "timestamp": 4.5, "input_length": 70, )"
                      R"("output_length": 4, "turn": 2, "hash_ids": [7, 8, 9, 10, 11]})" "\n");
  const std::vector<std::tuple<std::string, std::string, std::vector<std::size_t>, std::vector<double>>> cases = {
      {"burst_gpt_trace", "b.csv", {37, 300}, {500, 2250}}, {"bailian_trace", "q.jsonl", {50, 70}, {3000, 4500}}};
  for (const auto& [type, file, lengths, schedule] : cases) {
    auto o = options_in(dir);
    o.tokenizer = path.string();
    o.custom_dataset_type = type;
    o.input_files = {(dir.path() / file).string()};
    auto plan = make_run_plan({}, o);
    ASSERT_TRUE(plan) << type << ": " << plan.error()[0].describe();
    ASSERT_EQ(plan->data.entries.size(), lengths.size()) << type;
    std::vector<std::vector<tokenizer::TokenId>> ids;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      const auto& e = plan->data.entries[i];
      ids.push_back(plan->tokenizer->encode(e.prompt, {false, true}));
      EXPECT_EQ(ids.back().size(), lengths[i]) << type << " record " << i;
      EXPECT_EQ(e.prompt_words, lengths[i]) << type << " record " << i;
      EXPECT_TRUE(e.tokens_exact) << type;
    }
    EXPECT_EQ(plan->strategy.name, "fixed_schedule") << type;
    EXPECT_EQ(plan->strategy.config["schedule_ms"].get<std::vector<double>>(), schedule) << type;
    if (type == "bailian_trace") {  // 16-token blocks: ids 7, 8, 9 are whole in both, 48 identical tokens
      EXPECT_EQ(std::vector(ids[0].begin(), ids[0].begin() + 48), std::vector(ids[1].begin(), ids[1].begin() + 48));
    }
  }
}

TEST(RunPlanTest, WithoutATokenizerLengthsAreWordEstimates) {
  testing::TempDir dir;
  auto plan = make_run_plan({}, options_in(dir));
  ASSERT_TRUE(plan) << plan.error()[0].describe();
  EXPECT_FALSE(plan->tokenizer);
  EXPECT_FALSE(plan->data.entries.front().tokens_exact);
}

TEST(RunPlanTest, MissingTokenizerIsBadInputNamingWhereItLooked) {
  testing::TempDir dir;
  auto o = options_in(dir);
  o.tokenizer = "no-such-org/no-such-model";
  auto plan = make_run_plan({}, o);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error()[0].describe().find("--tokenizer"), std::string::npos) << plan.error()[0].describe();
  EXPECT_NE(plan.error()[0].describe().find("models--no-such-org--no-such-model"), std::string::npos)
      << plan.error()[0].describe();
}

}  // namespace
}  // namespace aiperf::run
