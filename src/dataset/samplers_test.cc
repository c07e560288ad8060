#include "dataset/samplers.h"

#include <gtest/gtest.h>

#include <set>

#include "dataset/synthetic.h"

namespace aiperf::dataset {
namespace {

template <class S>
std::vector<std::size_t> draw(std::size_t size, uint64_t seed, int n) {
  S sampler{PluginConfig{}};
  sampler.bind({size, {}, {}, seed});
  std::vector<std::size_t> out;
  for (int i = 0; i < n; ++i) out.push_back(sampler.next_index());
  return out;
}

TEST(SamplersTest, SequentialWrapsAround) {
  EXPECT_EQ(draw<SequentialSampler>(3, 0, 7), (std::vector<std::size_t>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(SamplersTest, RandomIsSeededAndInRange) {
  auto a = draw<RandomSampler>(10, 42, 200);
  EXPECT_EQ(a, draw<RandomSampler>(10, 42, 200));
  EXPECT_NE(a, draw<RandomSampler>(10, 43, 200));
  for (auto i : a) EXPECT_LT(i, 10u);
  EXPECT_EQ(std::set<std::size_t>(a.begin(), a.end()).size(), 10u);
}

TEST(SamplersTest, ShuffleVisitsEveryEntryOncePerPass) {
  auto a = draw<ShuffleSampler>(5, 7, 10);
  EXPECT_EQ(std::set<std::size_t>(a.begin(), a.begin() + 5).size(), 5u);
  EXPECT_EQ(std::set<std::size_t>(a.begin() + 5, a.end()).size(), 5u);
  EXPECT_EQ(a, draw<ShuffleSampler>(5, 7, 10));
}

TEST(SamplersTest, RejectUnknownConfig) {
  EXPECT_THROW(SequentialSampler(PluginConfig(nlohmann::json{{"x", 1}})), ConfigError);
}

TEST(SyntheticDatasetTest, PromptsHaveTheRequestedWordCount) {
  SyntheticOptions o;
  o.isl_mean = 20;
  o.osl_mean = 8;
  o.seed = 1;
  o.entries = 5;
  auto entries = make_synthetic_dataset(o);
  ASSERT_EQ(entries.size(), 5u);
  for (const auto& e : entries) {
    EXPECT_EQ(e.prompt_words, 20u);
    EXPECT_EQ(std::count(e.prompt.begin(), e.prompt.end(), ' '), 19);
    EXPECT_EQ(e.max_tokens, 8u);
  }
  EXPECT_NE(entries[0].prompt, entries[1].prompt);
}

TEST(SyntheticDatasetTest, StddevVariesLengthsReproducibly) {
  SyntheticOptions o;
  o.isl_mean = 100;
  o.isl_stddev = 20;
  o.seed = 3;
  o.entries = 200;
  auto a = make_synthetic_dataset(o);
  auto b = make_synthetic_dataset(o);
  std::set<uint32_t> lengths;
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].prompt, b[i].prompt);
    lengths.insert(a[i].prompt_words);
    sum += a[i].prompt_words;
  }
  EXPECT_GT(lengths.size(), 20u);
  EXPECT_NEAR(sum / a.size(), 100.0, 5.0);
}

}  // namespace
}  // namespace aiperf::dataset
