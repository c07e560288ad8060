#include "weighted_sampler.h"

#include <gtest/gtest.h>

#include <memory>

#include <aiperf/sdk/plugin.h>

// The exported factory (src/factory.cc), as the host would call it.
extern "C" int aiperf_weighted_dataset_sampler(const aiperf_factory_args* args,
                                               aiperf_factory_result* result) noexcept;

namespace aiperf_plugins::weighted {
namespace {

using nlohmann::json;

std::unique_ptr<aiperf::DatasetSampler> make(json config = json::object()) {
  return std::make_unique<WeightedSampler>(aiperf::PluginConfig(std::move(config)));
}

std::vector<int> counts(aiperf::DatasetSampler& s, std::size_t size, int draws) {
  std::vector<int> n(size, 0);
  for (int i = 0; i < draws; ++i) {
    auto k = s.next_index();
    EXPECT_LT(k, size);
    if (k < size) ++n[k];
  }
  return n;
}

// Pearson's chi-square statistic of observed counts against probabilities.
double chi_square(const std::vector<int>& observed, const std::vector<double>& p) {
  double total = 0, chi = 0;
  for (int o : observed) total += o;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) continue;
    double expected = total * p[i];
    chi += (observed[i] - expected) * (observed[i] - expected) / expected;
  }
  return chi;
}

std::string bind_error(json config, const aiperf::DatasetInfo& info) {
  try {
    make(std::move(config))->bind(info);
  } catch (const aiperf::ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

std::string config_error(json config) {
  try {
    make(std::move(config));
  } catch (const aiperf::ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(WeightedSamplerTest, FrequenciesFollowTheEntryWeights) {
  auto s = make();
  s->bind({4, {1, 2, 3, 4}, {}, 42});
  auto n = counts(*s, 4, 20000);
  // df = 3: 16.27 is the 0.1% critical value. The draw is deterministic for the seed.
  EXPECT_LT(chi_square(n, {0.1, 0.2, 0.3, 0.4}), 16.27) << n[0] << " " << n[1] << " " << n[2] << " " << n[3];
}

TEST(WeightedSamplerTest, ManyEntriesStillFitTheWeights) {
  std::vector<double> w;
  for (int i = 0; i < 50; ++i) w.push_back(1 + i % 7);
  auto s = make();
  s->bind({w.size(), w, {}, 7});
  auto& sampler = dynamic_cast<WeightedSampler&>(*s);
  auto n = counts(*s, w.size(), 50000);
  // df = 49: 85.35 is the 0.1% critical value.
  EXPECT_LT(chi_square(n, sampler.probabilities()), 85.35);
}

TEST(WeightedSamplerTest, SameSeedSameSequenceAndRebindRestarts) {
  auto a = make(), b = make();
  a->bind({5, {5, 1, 1, 1, 2}, {}, 99});
  b->bind({5, {5, 1, 1, 1, 2}, {}, 99});
  std::vector<std::size_t> first, second, third;
  for (int i = 0; i < 500; ++i) first.push_back(a->next_index());
  for (int i = 0; i < 500; ++i) second.push_back(b->next_index());
  EXPECT_EQ(first, second);
  a->bind({5, {5, 1, 1, 1, 2}, {}, 99});
  for (int i = 0; i < 500; ++i) third.push_back(a->next_index());
  EXPECT_EQ(first, third);
  auto c = make();
  c->bind({5, {5, 1, 1, 1, 2}, {}, 100});
  std::vector<std::size_t> other;
  for (int i = 0; i < 500; ++i) other.push_back(c->next_index());
  EXPECT_NE(first, other);
}

TEST(WeightedSamplerTest, ZeroWeightEntriesAreNeverSampled) {
  auto s = make();
  s->bind({4, {0, 1, 0, 3}, {}, 1});
  auto n = counts(*s, 4, 10000);
  EXPECT_EQ(n[0], 0);
  EXPECT_EQ(n[2], 0);
  EXPECT_LT(chi_square(n, {0, 0.25, 0, 0.75}), 10.83);  // df = 1
}

TEST(WeightedSamplerTest, BadDatasetWeightsAreBindErrors) {
  EXPECT_NE(bind_error({}, {3, {1, -2, 1}, {}, 0}).find("entry 1 has weight -2"), std::string::npos);
  EXPECT_NE(bind_error({}, {2, {1, std::nan("")}, {}, 0}).find("entry 1 has weight nan"), std::string::npos);
  EXPECT_NE(bind_error({}, {3, {0, 0, 0}, {}, 0}).find("every weight is zero"), std::string::npos);
  EXPECT_NE(bind_error({}, {3, {1, 1}, {}, 0}).find("3 entries but 2 weights"), std::string::npos);
  EXPECT_NE(bind_error({}, {3, {}, {}, 0}).find("the dataset has no weights"), std::string::npos);
  EXPECT_NE(bind_error({}, {0, {}, {}, 0}).find("empty"), std::string::npos);
}

TEST(WeightedSamplerTest, NextIndexBeforeBindIsZero) {
  auto s = make();
  EXPECT_EQ(s->next_index(), 0u);
  EXPECT_NE(bind_error({}, {2, {}, {}, 0}), "accepted");
}

aiperf::DatasetInfo two_files(std::vector<double> weights = {}) {
  // a.jsonl holds entries 0-2, b.jsonl entry 3.
  return {4, std::move(weights), {"a.jsonl", "a.jsonl", "a.jsonl", "b.jsonl"}, 5};
}

TEST(WeightedSamplerTest, FileWeightsAreSharedAcrossTheFilesEntriesByDefault) {
  auto s = make({{"weights_by_file", {{"a.jsonl", 3}, {"b.jsonl", 1}}}});
  s->bind(two_files());
  auto& sampler = dynamic_cast<WeightedSampler&>(*s);
  std::vector<double> want{0.25, 0.25, 0.25, 0.25};  // a: 3/4 over three entries, b: 1/4
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(sampler.probabilities()[i], want[i], 1e-12);
  auto n = counts(*s, 4, 20000);
  EXPECT_LT(chi_square(n, want), 16.27);
}

TEST(WeightedSamplerTest, PerEntryModeGivesEachEntryTheFilesWeight) {
  auto s = make({{"weights_by_file", {{"a.jsonl", 3}, {"b.jsonl", 1}}}, {"file_weight_mode", "per_entry"}});
  s->bind(two_files());
  auto& sampler = dynamic_cast<WeightedSampler&>(*s);
  std::vector<double> want{0.3, 0.3, 0.3, 0.1};
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(sampler.probabilities()[i], want[i], 1e-12);
}

TEST(WeightedSamplerTest, EntryWeightsSplitAFilesShare) {
  auto s = make({{"weights_by_file", {{"a.jsonl", 1}, {"b.jsonl", 1}}}});
  s->bind(two_files({2, 1, 1, 5}));
  auto& sampler = dynamic_cast<WeightedSampler&>(*s);
  std::vector<double> want{0.25, 0.125, 0.125, 0.5};
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(sampler.probabilities()[i], want[i], 1e-12);
  auto per_entry = make({{"weights_by_file", {{"a.jsonl", 1}, {"b.jsonl", 2}}}, {"file_weight_mode", "per_entry"}});
  per_entry->bind(two_files({2, 1, 1, 5}));
  std::vector<double> want2{2.0 / 14, 1.0 / 14, 1.0 / 14, 10.0 / 14};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(dynamic_cast<WeightedSampler&>(*per_entry).probabilities()[i], want2[i], 1e-12);
  }
}

TEST(WeightedSamplerTest, FileKeysMayBePathsAndZeroLeavesAFileOut) {
  auto s = make({{"weights_by_file", {{"data/a.jsonl", 0}, {"/abs/b.jsonl", 2}}}});
  s->bind(two_files());
  auto n = counts(*s, 4, 1000);
  EXPECT_EQ(n[3], 1000);
}

TEST(WeightedSamplerTest, FileWeightsThatDoNotFitTheDatasetAreBindErrors) {
  json unknown = {{"weights_by_file", {{"a.jsonl", 1}, {"b.jsonl", 1}, {"c.jsonl", 1}}}};
  EXPECT_NE(bind_error(unknown, two_files()).find("names 'c.jsonl', which is not an input file of this dataset "
                                                  "(files: a.jsonl, b.jsonl)"),
            std::string::npos);
  json missing = {{"weights_by_file", {{"a.jsonl", 1}}}};
  EXPECT_NE(bind_error(missing, two_files()).find("'b.jsonl' has no weight"), std::string::npos);
  json twice = {{"weights_by_file", {{"a.jsonl", 1}, {"x/a.jsonl", 2}, {"b.jsonl", 1}}}};
  EXPECT_NE(bind_error(twice, two_files()).find("two weights"), std::string::npos);
  json zero = {{"weights_by_file", {{"a.jsonl", 0}, {"b.jsonl", 0}}}};
  EXPECT_NE(bind_error(zero, two_files()).find("every weight is zero"), std::string::npos);
  json share = {{"weights_by_file", {{"a.jsonl", 1}, {"b.jsonl", 1}}}};
  EXPECT_NE(bind_error(share, two_files({0, 0, 0, 1})).find("every entry of 'a.jsonl' has weight 0"),
            std::string::npos);
  EXPECT_NE(bind_error(share, {2, {}, {}, 0}).find("needs a dataset loaded from files"), std::string::npos);
}

TEST(WeightedSamplerTest, ConfigIsValidated) {
  EXPECT_NE(config_error({{"weights_by_file", {{"a.jsonl", -1}}}}).find("weights_by_file['a.jsonl'] must be a number >= 0"),
            std::string::npos);
  EXPECT_NE(config_error({{"weights_by_file", {{"a.jsonl", "3"}}}}).find("weights_by_file['a.jsonl']"),
            std::string::npos);
  EXPECT_NE(config_error({{"weights_by_file", json::array()}}).find("non-empty mapping"), std::string::npos);
  EXPECT_NE(config_error({{"weights_by_file", json::object()}}).find("non-empty mapping"), std::string::npos);
  EXPECT_NE(config_error({{"file_weight_mode", "split"}}).find("'share' or 'per_entry'"), std::string::npos);
  EXPECT_NE(config_error({{"weight_by_file", json::object()}}).find("did you mean 'weights_by_file'"),
            std::string::npos);
  EXPECT_EQ(config_error({{"weights_by_file", nullptr}}), "accepted");
}

TEST(WeightedSamplerTest, FactoryBuildsItThroughTheCBoundary) {
  aiperf_factory_args args{sizeof(aiperf_factory_args), "dataset_sampler", "weighted",
                           R"({"weights_by_file": {"a.jsonl": -3}})"};
  aiperf_factory_result result{};
  EXPECT_NE(aiperf_weighted_dataset_sampler(&args, &result), 0);
  EXPECT_NE(std::string(result.error).find("a.jsonl"), std::string::npos) << result.error;
  args.config_json = "";
  ASSERT_EQ(aiperf_weighted_dataset_sampler(&args, &result), 0) << result.error;
  std::unique_ptr<aiperf::DatasetSampler> s(static_cast<aiperf::DatasetSampler*>(result.instance));
  s->bind({3, {0, 0, 1}, {}, 3});
  EXPECT_EQ(s->next_index(), 2u);
}

}  // namespace
}  // namespace aiperf_plugins::weighted
