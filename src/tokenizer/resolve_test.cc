// --tokenizer NAME_OR_PATH resolution: file, directory, HF-cache name, and the error.
#include "tokenizer/resolve.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace aiperf::tokenizer {
namespace {
namespace fs = std::filesystem;

class ResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("aiperf-resolve-" + std::to_string(std::random_device{}()));
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "{}";
    return p;
  }
  fs::path root_;
};

TEST_F(ResolveTest, TakesAFileAsItIs) {
  auto file = touch(root_ / "x" / "my.tiktoken");
  EXPECT_EQ(*resolve_tokenizer(file.string(), root_ / "hub"), file);
}

TEST_F(ResolveTest, FindsTokenizerJsonInADirectory) {
  auto file = touch(root_ / "model" / "tokenizer.json");
  touch(root_ / "model" / "tokenizer_config.json");
  EXPECT_EQ(*resolve_tokenizer((root_ / "model").string(), root_ / "hub"), file);
  fs::create_directories(root_ / "empty");
  auto missing = resolve_tokenizer((root_ / "empty").string(), root_ / "hub");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(ResolveTest, FindsAModelNameInTheHubCacheByRefsMain) {
  fs::path repo = root_ / "hub" / "models--meta-llama--Llama-3.1-8B";
  touch(repo / "snapshots" / "old" / "tokenizer.json");
  auto wanted = touch(repo / "snapshots" / "abc123" / "tokenizer.json");
  fs::create_directories(repo / "refs");
  std::ofstream(repo / "refs" / "main") << "abc123";
  EXPECT_EQ(*resolve_tokenizer("meta-llama/Llama-3.1-8B", root_ / "hub"), wanted);
}

TEST_F(ResolveTest, NameNotFoundSaysWhereItLooked) {
  auto r = resolve_tokenizer("org/absent-model", root_ / "hub");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  std::string line = r.error().describe();
  EXPECT_NE(line.find((root_ / "hub" / "models--org--absent-model" / "snapshots").string()), std::string::npos) << line;
  EXPECT_NE(line.find("org/absent-model"), std::string::npos) << line;
}

TEST_F(ResolveTest, HubCacheFollowsHfHome) {
  setenv("HF_HOME", (root_ / "hfhome").c_str(), 1);
  unsetenv("HF_HUB_CACHE");
  EXPECT_EQ(hf_hub_cache(), root_ / "hfhome" / "hub");
  unsetenv("HF_HOME");
}

}  // namespace
}  // namespace aiperf::tokenizer
