// dataset_sampler:weighted through the real, installed aiperf: input files
// whose prompts have distinct lengths, so the mock server's record of each
// request's prompt tokens tells which file (or entry) was sampled.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "common/testing/process.h"

namespace {

using nlohmann::json;
using plugin_test::run;

const std::string kAiperf = AIPERF_EXECUTABLE;
const std::string kMock = AIPERF_MOCK_SERVER_EXECUTABLE;
const std::string kPluginDir = PLUGIN_BUILD_DIR;

// A JSONL input file of `entries` prompts of `words` words each, with an optional weight.
std::filesystem::path write_input(const std::filesystem::path& path, int entries, int words,
                                  std::vector<double> weights = {}) {
  std::ofstream out(path);
  for (int i = 0; i < entries; ++i) {
    std::string text;
    for (int w = 0; w < words; ++w) text += (w ? " word" : "word") + std::to_string(i);
    json record = {{"text", text}, {"max_tokens", 2}};
    if (!weights.empty()) record["weight"] = weights[static_cast<std::size_t>(i)];
    out << record.dump() << "\n";
  }
  return path;
}

struct Outcome {
  plugin_test::CommandResult result;
  std::map<int, int> by_prompt_tokens;  // prompt length -> requests, from the server's records
};

Outcome profile(const std::vector<std::filesystem::path>& inputs, const json& sampler_config,
                const std::filesystem::path& dir, int requests) {
  plugin_test::MockServer server(kMock, {"--fast"});
  std::vector<std::string> args{kAiperf, "--plugin-path", kPluginDir, "profile", "-m", "mock-model",
                                "-u", server.url(), "--endpoint-type", "chat", "--concurrency", "8",
                                "--request-count", std::to_string(requests), "--ui", "none",
                                "--random-seed", "7", "--artifact-dir", (dir / "artifacts").string(),
                                "--dataset-sampling-strategy", "weighted",
                                "--sampler-config", sampler_config.dump()};
  for (const auto& f : inputs) args.insert(args.end(), {"--input-file", f.string()});
  Outcome o;
  o.result = run(args);
  for (const auto& r : server.get_json("/mock/records")) ++o.by_prompt_tokens[r["prompt_tokens"].get<int>()];
  return o;
}

bool host_supports_inputs() {
  return plugin_test::profile_supports(kAiperf, "--input-file") &&
         plugin_test::profile_supports(kAiperf, "--sampler-config");
}

TEST(WeightedE2eTest, PluginsCheckLoadsAndConstructsIt) {
  auto ok = run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "dataset_sampler:weighted",
                 "--config", R"({"weights_by_file": {"a.jsonl": 3, "b.jsonl": 1}})"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  auto bad = run({kAiperf, "--plugin-path", kPluginDir, "plugins", "check", "dataset_sampler:weighted",
                  "--config", R"({"weights_by_file": {"a.jsonl": -1}})"});
  EXPECT_NE(bad.exit_code, 0) << bad.output;
  EXPECT_NE(bad.output.find("weights_by_file['a.jsonl'] must be a number >= 0"), std::string::npos) << bad.output;
}

TEST(WeightedE2eTest, FileWeightsSetEachFilesShareOfRequests) {
  if (!host_supports_inputs()) GTEST_SKIP() << "this aiperf has no --input-file/--sampler-config";
  auto dir = plugin_test::fresh_temp_dir("weighted-files");
  auto a = write_input(dir / "a.jsonl", 5, 3);  // 3-word prompts
  auto b = write_input(dir / "b.jsonl", 2, 6);  // 6-word prompts
  auto o = profile({a, b}, {{"weights_by_file", {{"a.jsonl", 3}, {"b.jsonl", 1}}}}, dir, 400);
  ASSERT_EQ(o.result.exit_code, 0) << o.result.output;
  ASSERT_EQ(o.by_prompt_tokens[3] + o.by_prompt_tokens[6], 400) << o.result.output;
  // Expected 300 : 100 (binomial sd 8.7); the seed makes the run deterministic.
  EXPECT_NEAR(o.by_prompt_tokens[3], 300, 35);
  EXPECT_NEAR(o.by_prompt_tokens[6], 100, 35);
}

TEST(WeightedE2eTest, TheDatasetsWeightFieldDrivesSampling) {
  if (!host_supports_inputs()) GTEST_SKIP() << "this aiperf has no --input-file/--sampler-config";
  auto dir = plugin_test::fresh_temp_dir("weighted-field");
  // Entry 0 (2 words) weight 1, entry 1 (5 words) weight 4, entry 2 (9 words) weight 0.
  std::ofstream(dir / "mixed.jsonl") << R"({"text": "a b", "max_tokens": 2, "weight": 1})" "\n"
                                     << R"({"text": "a b c d e", "max_tokens": 2, "weight": 4})" "\n"
                                     << R"({"text": "a b c d e f g h i", "max_tokens": 2, "weight": 0})" "\n";
  auto o = profile({dir / "mixed.jsonl"}, json::object(), dir, 300);
  ASSERT_EQ(o.result.exit_code, 0) << o.result.output;
  EXPECT_EQ(o.by_prompt_tokens[9], 0);
  EXPECT_EQ(o.by_prompt_tokens[2] + o.by_prompt_tokens[5], 300);
  EXPECT_NEAR(o.by_prompt_tokens[5], 240, 30);  // 4/5 of 300, sd 6.9
}

TEST(WeightedE2eTest, ABindErrorStopsTheRunBeforeAnyRequest) {
  if (!host_supports_inputs()) GTEST_SKIP() << "this aiperf has no --input-file/--sampler-config";
  auto dir = plugin_test::fresh_temp_dir("weighted-error");
  auto a = write_input(dir / "a.jsonl", 3, 3);
  auto o = profile({a}, {{"weights_by_file", {{"typo.jsonl", 1}}}}, dir, 10);
  EXPECT_EQ(o.result.exit_code, 2) << o.result.output;
  EXPECT_NE(o.result.output.find("names 'typo.jsonl', which is not an input file of this dataset (files: a.jsonl)"),
            std::string::npos)
      << o.result.output;
  EXPECT_TRUE(o.by_prompt_tokens.empty());
}

TEST(WeightedE2eTest, UnweightedDataWithoutFileWeightsIsRefused) {
  if (!host_supports_inputs()) GTEST_SKIP() << "this aiperf has no --input-file/--sampler-config";
  auto dir = plugin_test::fresh_temp_dir("weighted-none");
  auto a = write_input(dir / "a.jsonl", 3, 3);
  auto o = profile({a}, json::object(), dir, 10);
  EXPECT_EQ(o.result.exit_code, 2) << o.result.output;
  EXPECT_NE(o.result.output.find("the dataset has no weights"), std::string::npos) << o.result.output;
  EXPECT_TRUE(o.by_prompt_tokens.empty());
}

}  // namespace
