#include "dataset/file_dataset.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace aiperf::dataset {
namespace {

using testing::TempDir;
using testing::write_file;

TEST(FileDatasetTest, ReadsTextAndMessagesWithWeightsAndSources) {
  TempDir dir;
  write_file(dir.path() / "a.jsonl", R"({"text": "hello big world", "max_tokens": 5, "weight": 3}

{"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]}
)");
  auto d = *load_jsonl_files({dir.path() / "a.jsonl"}, 0);
  ASSERT_EQ(d.entries.size(), 2u);
  EXPECT_EQ(d.entries[0].prompt, "hello big world");
  EXPECT_EQ(d.entries[0].prompt_words, 3u);
  EXPECT_EQ(d.entries[0].max_tokens, 5u);
  EXPECT_EQ(d.entries[1].messages.size(), 2u);
  EXPECT_EQ(d.entries[1].prompt_words, 3u);
  EXPECT_EQ(d.weights, (std::vector<double>{3, 1}));
  EXPECT_EQ(d.sources, (std::vector<std::string>{"a.jsonl", "a.jsonl"}));
  EXPECT_TRUE(d.timestamps_ms.empty());
}

TEST(FileDatasetTest, MooncakeTraceGivesTimestampsAndSharedPrefixBlocks) {
  TempDir dir;
  write_file(dir.path() / "trace.jsonl",
             R"({"timestamp": 0, "input_length": 600, "output_length": 10, "hash_ids": [1, 2]}
{"timestamp": 27.5, "input_length": 520, "output_length": 4, "hash_ids": [1, 3]}
)");
  auto d = *load_jsonl_files({dir.path() / "trace.jsonl"}, 9);
  ASSERT_EQ(d.entries.size(), 2u);
  EXPECT_EQ(d.timestamps_ms, (std::vector<double>{0, 27.5}));
  EXPECT_EQ(d.entries[0].prompt_words, 600u);
  EXPECT_EQ(d.entries[0].max_tokens, 10u);
  // Same first hash id: the same first 512-word block, ended by a newline.
  auto first_block = [](const std::string& s) { return s.substr(0, s.find('\n') + 1); };
  const std::string block0 = first_block(d.entries[0].prompt);
  EXPECT_EQ(std::count(block0.begin(), block0.end(), ' ') + 1, 512);
  EXPECT_EQ(first_block(d.entries[0].prompt), first_block(d.entries[1].prompt));
  EXPECT_NE(d.entries[0].prompt.substr(first_block(d.entries[0].prompt).size()),
            d.entries[1].prompt.substr(first_block(d.entries[1].prompt).size()));
}

TEST(FileDatasetTest, ErrorsNameFileAndLine) {
  TempDir dir;
  auto file = dir.path() / "bad.jsonl";
  auto expect_error = [&](const std::string& text, const std::string& message) {
    write_file(file, text);
    auto d = load_jsonl_files({file}, 0);
    ASSERT_FALSE(d) << "accepted: " << text;
    EXPECT_NE(d.error().describe().find(message), std::string::npos) << d.error().describe();
  };
  expect_error("{\"text\": \"a\"}\n{oops\n", "bad.jsonl:2: not a JSON object");
  expect_error("{\"prompt\": \"a\"}\n", "bad.jsonl:1: record needs 'text', 'messages' or 'input_length'");
  expect_error("{\"input_length\": 0}\n", "bad.jsonl:1: 'input_length' must be a positive integer");
  expect_error("{\"text\": \"a\", \"timestamp\": 1}\n{\"text\": \"b\"}\n", "a trace needs one on every record");
  expect_error("{\"text\": \"a\", \"weight\": -1}\n", "'weight' must be a non-negative number");
  expect_error("\n\n", "hold no records");
  expect_error("{\"text\": \"a\", \"timestamp\": 1e15}\n", "'timestamp' is 1e+15; the limit is 1e11");
  expect_error("{\"input_length\": 1000000000}\n", "'input_length' is 1000000000; the limit is 1048576");
  auto missing = load_jsonl_files({dir.path() / "missing.jsonl"}, 0);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().describe().find("missing.jsonl: cannot be read"), std::string::npos);
  auto directory = load_jsonl_files({dir.path()}, 0);
  ASSERT_FALSE(directory);
  EXPECT_NE(directory.error().describe().find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace aiperf::dataset
