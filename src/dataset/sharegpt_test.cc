#include <gtest/gtest.h>

#include "dataset/file_dataset.h"
#include "support/test_support.h"

namespace aiperf::dataset {
namespace {

using testing::TempDir;
using testing::write_file;

Expected<Dataset> load(const std::filesystem::path& file, DatasetType type) {
  FileOptions o;
  o.type = type;
  return load_input_files({file}, o);
}

TEST(ShareGptTest, TakesTheFirstHumanTurnAndTheReplyLength) {
  TempDir dir;
  write_file(dir.path() / "sg.json", R"([
  {"id": "a", "conversations": [{"from": "human", "value": "why is the sky blue"},
                                {"from": "gpt", "value": "because of [Rayleigh] scattering, \"mostly\""}]},
  {"id": "b", "conversations": [{"from": "human", "value": "only a question"}]},
  {"id": "c", "conversations": [{"from": "system", "value": "x"}, {"from": "human", "value": "hi there"},
                                {"from": "gpt", "value": "hello"}]}
])");
  auto d = load(dir.path() / "sg.json", DatasetType::kShareGpt);
  ASSERT_TRUE(d) << d.error().describe();
  ASSERT_EQ(d->entries.size(), 2u);  // "b" has no reply: skipped
  EXPECT_EQ(d->entries[0].prompt, "why is the sky blue");
  EXPECT_EQ(d->entries[0].prompt_words, 5u);
  EXPECT_EQ(d->entries[0].max_tokens, 5u);
  EXPECT_EQ(d->entries[1].prompt, "hi there");
  EXPECT_EQ(d->entries[1].max_tokens, 1u);
  EXPECT_EQ(d->entries[1].class_label, "sg.json");
}

TEST(ShareGptTest, BadRecordsNameFileAndLine) {
  TempDir dir;
  auto file = dir.path() / "bad.json";
  auto expect_error = [&](const std::string& text, const std::string& message) {
    write_file(file, text);
    auto d = load(file, DatasetType::kShareGpt);
    ASSERT_FALSE(d) << "accepted: " << text;
    EXPECT_NE(d.error().describe().find(message), std::string::npos) << d.error().describe();
  };
  expect_error("[\n{\"conversations\": []},\n{\"conversations\": [{\"from\": 1}]}\n]",
               "bad.json:3: each conversation turn needs string 'from' and 'value'");
  expect_error("[\n{\"conversations\": []},\n\n{\"id\": 1}\n]", "bad.json:4: record needs a 'conversations' array");
  expect_error("[\n{\"conversations\": [] oops}\n]", "bad.json:2: not a JSON object");
  expect_error("{\"conversations\": []}", "bad.json:1: a ShareGPT file is a JSON array");
  expect_error("[\n{\"conversations\": []}\n", "the JSON array is not closed");
}

TEST(CustomDatasetTypeTest, MooncakeTraceNeedsInputLength) {
  TempDir dir;
  write_file(dir.path() / "t.jsonl", "{\"input_length\": 8}\n{\"text\": \"hello\"}\n");
  auto d = load(dir.path() / "t.jsonl", DatasetType::kMooncakeTrace);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().describe().find("t.jsonl:2: a mooncake_trace record needs 'input_length'"), std::string::npos)
      << d.error().describe();
}

TEST(CustomDatasetTypeTest, MultiTurnRecordIsOneConversationWithFileLineErrors) {
  TempDir dir;
  write_file(dir.path() / "mt.jsonl",
             "{\"session_id\": \"s1\", \"turns\": [{\"text\": \"one\"}, {\"text\": \"two two\", \"max_tokens\": 3, \"delay\": 250}]}\n"
             "{\"session_id\": \"s2\", \"turns\": [{\"texts\": [\"a\", \"b c\"]}]}\n");
  auto d = load(dir.path() / "mt.jsonl", DatasetType::kMultiTurn);
  ASSERT_TRUE(d) << d.error().describe();
  ASSERT_EQ(d->entries.size(), 2u);
  EXPECT_EQ(d->entries[0].prompt, "one");
  ASSERT_EQ(d->entries[0].next_turns.size(), 1u);
  EXPECT_EQ(d->entries[0].next_turns[0].prompt, "two two");
  EXPECT_EQ(d->entries[0].next_turns[0].max_tokens, 3u);
  EXPECT_EQ(d->entries[0].next_turns[0].delay_ms, 250);
  EXPECT_EQ(d->entries[1].prompt_words, 3u);
  EXPECT_TRUE(d->entries[1].next_turns.empty());
  write_file(dir.path() / "bad.jsonl", "{\"turns\": [{\"text\": \"ok\"}]}\n{\"turns\": [{\"text\": \"ok\"}, {\"txt\": 1}]}\n");
  auto bad = load(dir.path() / "bad.jsonl", DatasetType::kMultiTurn);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().describe().find("bad.jsonl:2: turn 1: record needs"), std::string::npos) << bad.error().describe();
  write_file(dir.path() / "bad.jsonl", "{\"session_id\": \"s\"}\n");
  bad = load(dir.path() / "bad.jsonl", DatasetType::kMultiTurn);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().describe().find("bad.jsonl:1: a multi_turn record needs"), std::string::npos);
}

TEST(CustomDatasetTypeTest, ClassFieldLabelsRequestsElseTheFileName) {
  TempDir dir;
  write_file(dir.path() / "c.jsonl", "{\"text\": \"a\", \"class\": \"short\"}\n{\"text\": \"b\"}\n");
  auto d = load(dir.path() / "c.jsonl", DatasetType::kSingleTurn);
  ASSERT_TRUE(d) << d.error().describe();
  EXPECT_EQ(d->entries[0].class_label, "short");
  EXPECT_EQ(d->entries[1].class_label, "c.jsonl");
  EXPECT_TRUE(parse_dataset_type("random_pool"));
  EXPECT_FALSE(parse_dataset_type("bogus"));
}

}  // namespace
}  // namespace aiperf::dataset
