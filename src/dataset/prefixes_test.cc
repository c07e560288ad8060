#include "dataset/prefixes.h"

#include <gtest/gtest.h>

#include <set>

#include "dataset/internal/dataset_error.h"

namespace aiperf::dataset {
namespace {

Dataset words_dataset(std::size_t n) {
  SyntheticOptions o;
  o.isl_mean = 20;
  o.entries = n;
  return from_entries(make_synthetic_dataset(o));
}

TEST(PrefixesTest, SharedSystemPromptLeadsEveryRequestAtItsLength) {
  auto data = words_dataset(5);
  PrefixOptions o;
  o.shared_system_prompt_length = 37;
  ASSERT_TRUE(apply_prefixes(data, o, word_source()));
  for (const auto& e : data.entries) {
    ASSERT_EQ(e.messages.size(), 2u);
    EXPECT_EQ(e.messages[0].role, "system");
    EXPECT_EQ(e.messages[0].content, data.entries[0].messages[0].content);
    EXPECT_EQ(internal::count_words(e.messages[0].content), o.shared_system_prompt_length);
    EXPECT_EQ(e.prompt_words, 20 + o.shared_system_prompt_length);
    EXPECT_TRUE(e.prompt.empty());
  }
}

TEST(PrefixesTest, PoolGivesEachRequestOneOfKPrefixes) {
  auto data = words_dataset(200);
  PrefixOptions o;
  o.num_prefix_prompts = 4;
  o.prefix_prompt_length = 30;
  o.seed = 5;
  auto assigned = apply_prefixes(data, o, word_source());
  ASSERT_TRUE(assigned);
  std::set<std::string> prefixes;
  for (std::size_t i = 0; i < data.entries.size(); ++i) {
    const auto& p = data.entries[i].prompt;
    auto cut = p.find('\n');
    ASSERT_NE(cut, std::string::npos);
    prefixes.insert(p.substr(0, cut));
    EXPECT_EQ(internal::count_words(p.substr(0, cut)), o.prefix_prompt_length);
    EXPECT_GE(assigned->pool_index[i], 0);
    EXPECT_EQ(data.entries[i].prompt_words, 20 + o.prefix_prompt_length);
  }
  EXPECT_EQ(prefixes.size(), o.num_prefix_prompts);
}

TEST(PrefixesTest, UserContextIsDistinctPerEntry) {
  auto data = words_dataset(10);
  PrefixOptions o;
  o.user_context_prompt_length = 12;
  ASSERT_TRUE(apply_prefixes(data, o, word_source()));
  std::set<std::string> contexts;
  for (const auto& e : data.entries) contexts.insert(e.prompt.substr(0, e.prompt.find('\n')));
  EXPECT_EQ(contexts.size(), data.entries.size());
}

TEST(PrefixesTest, SameSeedSamePrefixes) {
  auto a = words_dataset(20), b = words_dataset(20);
  PrefixOptions o;
  o.num_prefix_prompts = 3;
  o.prefix_prompt_length = 8;
  o.shared_system_prompt_length = 5;
  apply_prefixes(a, o, word_source());
  apply_prefixes(b, o, word_source());
  for (std::size_t i = 0; i < a.entries.size(); ++i) EXPECT_EQ(a.entries[i].messages[1].content, b.entries[i].messages[1].content);
}

}  // namespace
}  // namespace aiperf::dataset
