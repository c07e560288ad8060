// bailian_trace and burst_gpt_trace: read into the mooncake path (timestamps in ms,
// prompts of input_length, max_tokens from the output length), errors at file:line.
#include <gtest/gtest.h>

#include "dataset/file_dataset.h"
#include "support/test_support.h"

namespace aiperf::dataset {
namespace {

using testing::TempDir;
using testing::write_file;

Expected<Dataset> load(const std::filesystem::path& file, DatasetType type, std::optional<uint32_t> block = {}) {
  FileOptions o;
  o.type = type;
  o.block_size = block;
  return load_input_files({file}, o);
}

TEST(TraceFormatsTest, BurstGptRowsBecomeTimedRequestsOfTheirTokenCounts) {
  TempDir dir;
  write_file(dir.path() / "burst.csv",
             "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
             "0.123,ChatGPT,12,7,19,Conversation log\n"
             "\n"
             "1.5,GPT-4,30,0,30,API log\n");
  auto d = load(dir.path() / "burst.csv", DatasetType::kBurstGptTrace);
  ASSERT_TRUE(d) << d.error().describe();
  ASSERT_EQ(d->entries.size(), 2u);
  EXPECT_EQ(d->timestamps_ms, (std::vector<double>{123, 1500}));
  EXPECT_EQ(d->entries[0].prompt_words, 12u);
  EXPECT_EQ(d->entries[0].max_tokens, 7u);
  EXPECT_EQ(d->entries[1].prompt_words, 30u);
  EXPECT_EQ(d->entries[1].max_tokens, 1u) << "a failed request of the trace (0 tokens) still sends the smallest one";
  EXPECT_EQ(d->entries[1].class_label, "burst.csv");
}

TEST(TraceFormatsTest, BurstGptBadRowsNameFileAndLine) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Timestamp,Model,Response tokens\n0,m,3\n", "b.csv:1: a burst_gpt_trace header needs the columns"},
      {"Timestamp,Request tokens,Response tokens\n0,4,2\nsoon,4,2\n", "b.csv:3: 'Timestamp' must be a number, got 'soon'"},
      {"Timestamp,Request tokens,Response tokens\n\n0,4\n", "b.csv:3: has 2 fields; the header has 3"},
      {"Timestamp,Request tokens,Response tokens\n0,0,2\n", "b.csv:2: 'Request tokens' must be a positive integer"},
      {"Timestamp,Request tokens,Response tokens\n-1,4,2\n", "b.csv:2: 'Timestamp' must be a non-negative number"},
      {"", "b.csv:1: a burst_gpt_trace file starts with a header line"}};
  for (const auto& [text, message] : cases) {
    write_file(dir.path() / "b.csv", text);
    auto d = load(dir.path() / "b.csv", DatasetType::kBurstGptTrace);
    ASSERT_FALSE(d) << text;
    EXPECT_EQ(d.error().code, ErrorCode::kMalformedInput);
    EXPECT_NE(d.error().describe().find(message), std::string::npos) << d.error().describe();
  }
}

TEST(TraceFormatsTest, BailianLinesReplayOnTheirOwnWithSixteenTokenBlocksByDefault) {
  TempDir dir;
  write_file(dir.path() / "qwen.jsonl",
             R"({"chat_id": 159, "parent_chat_id": -1, "timestamp": 61.114, "input_length": 40, "output_length": 132, "type": "text", "turn": 1, "hash_ids": [1, 2, 3]})"
             "\n"
             R"({"chat_id": 160, "parent_chat_id": 159, "timestamp": 62.5, "input_length": 40, "output_length": 80, "type": "text", "turn": 2, "hash_ids": [1, 2, 4]})"
             "\n");
  auto d = load(dir.path() / "qwen.jsonl", DatasetType::kBailianTrace);
  ASSERT_TRUE(d) << d.error().describe();
  ASSERT_EQ(d->entries.size(), 2u);
  EXPECT_DOUBLE_EQ(d->timestamps_ms[0], 61114);
  EXPECT_DOUBLE_EQ(d->timestamps_ms[1], 62500);
  EXPECT_EQ(d->entries[0].max_tokens, 132u);
  EXPECT_EQ(d->entries[1].prompt_words, 40u);
  EXPECT_FALSE(d->entries[1].conversation) << "each line already carries its history";
  // Blocks 1 and 2 (16 tokens each) are shared; the third differs.
  const auto& a = d->entries[0].prompt;
  const auto& b = d->entries[1].prompt;
  std::size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  auto with_blocks = load(dir.path() / "qwen.jsonl", DatasetType::kMooncakeTrace, 16);
  ASSERT_TRUE(with_blocks);
  EXPECT_EQ(a.substr(0, common), with_blocks->entries[0].prompt.substr(0, common));
  EXPECT_GT(common, 0u);
  EXPECT_LT(common, a.size());
  auto big_blocks = load(dir.path() / "qwen.jsonl", DatasetType::kBailianTrace, 512);
  ASSERT_TRUE(big_blocks);
  EXPECT_NE(big_blocks->entries[0].prompt, a) << "--block-size overrides the format's 16";
}

TEST(TraceFormatsTest, BailianBadLinesNameFileAndLine) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"input_length": 4})", "q.jsonl:1: a bailian_trace record needs a numeric 'timestamp' (s)"},
      {R"({"timestamp": 1, "output_length": 4})", "q.jsonl:1: a bailian_trace record needs 'input_length'"},
      {R"({"timestamp": 1, "input_length": 4, "output_length": -2})", "q.jsonl:1: 'output_length' must be a non-negative"},
      {"\n" R"({"timestamp": 1, "input_length": 0})", "q.jsonl:2: 'input_length' must be a positive integer"}};
  for (const auto& [text, message] : cases) {
    write_file(dir.path() / "q.jsonl", text + "\n");
    auto d = load(dir.path() / "q.jsonl", DatasetType::kBailianTrace);
    ASSERT_FALSE(d) << text;
    EXPECT_NE(d.error().describe().find(message), std::string::npos) << d.error().describe();
  }
}

TEST(TraceFormatsTest, TraceTypeNamesAreAIPerfs) {
  EXPECT_EQ(parse_dataset_type("bailian_trace"), DatasetType::kBailianTrace);
  EXPECT_EQ(parse_dataset_type("burst_gpt_trace"), DatasetType::kBurstGptTrace);
}

}  // namespace
}  // namespace aiperf::dataset
