#include "dataset/seq_dist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace aiperf::dataset {
namespace {

TEST(SeqDistTest, ParsesAIPerfSyntaxWithOptionalSpreads) {
  auto mix = parse_seq_dist("128,64:25; 512|20,256|5:50;1024,512:25");
  ASSERT_TRUE(mix) << mix.error().describe();
  ASSERT_EQ(mix->size(), 3u);
  EXPECT_EQ((*mix)[1].isl, 512u);
  EXPECT_EQ((*mix)[1].isl_stddev, 20u);
  EXPECT_EQ((*mix)[1].osl, 256u);
  EXPECT_EQ((*mix)[1].osl_stddev, 5u);
  EXPECT_DOUBLE_EQ((*mix)[1].percent, 50);
  EXPECT_EQ((*mix)[0].label, "isl128_osl64");
}

TEST(SeqDistTest, RejectsBadComponentsNamingThem) {
  auto expect_error = [](const char* text, const char* message) {
    auto mix = parse_seq_dist(text);
    ASSERT_FALSE(mix) << text;
    EXPECT_NE(mix.error().describe().find(message), std::string::npos) << mix.error().describe();
    EXPECT_NE(mix.error().describe().find("--seq-dist"), std::string::npos);
  };
  expect_error("128,64:50;256,64:40", "add up to");
  expect_error("128:100", "'128:100'");
  expect_error("0,64:100", "ISL must be");
  expect_error("128,x:100", "OSL must be");
  expect_error("128,64:abc", "PCT must be");
  expect_error("", "no components");
}

TEST(SeqDistTest, ProportionsOfTenThousandDrawsAreWithinTwoPercent) {
  auto mix = *parse_seq_dist("100,10:20;200,20:50;300,30:30");
  const std::size_t n = 10'000;
  auto entries = make_mixture_dataset(mix, n, 7, word_source());
  ASSERT_TRUE(entries) << entries.error().describe();
  std::map<std::string, std::size_t> counts;
  for (const auto& e : *entries) ++counts[e.class_label];
  for (const auto& c : mix) {
    const double share = 100.0 * static_cast<double>(counts[c.label]) / n;
    EXPECT_NEAR(share, c.percent, 2.0) << c.label;
  }
}

TEST(SeqDistTest, EachEntryHasItsComponentsLengths) {
  auto mix = *parse_seq_dist("40,4:50;80,8:50");
  auto entries = *make_mixture_dataset(mix, 200, 3, word_source());
  std::map<std::string, const SeqDistComponent*> by_label;
  for (const auto& c : mix) by_label[c.label] = &c;
  for (const auto& e : entries) {
    const auto* c = by_label.at(e.class_label);
    EXPECT_EQ(e.prompt_words, c->isl);
    EXPECT_EQ(e.max_tokens, c->osl);
    EXPECT_EQ(std::count(e.prompt.begin(), e.prompt.end(), ' ') + 1, static_cast<long>(c->isl));
  }
  EXPECT_EQ(draw_components(mix, 50, 9), draw_components(mix, 50, 9));
}

}  // namespace
}  // namespace aiperf::dataset
