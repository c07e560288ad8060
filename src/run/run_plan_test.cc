#include "run/run_plan.h"

#include <gtest/gtest.h>

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
