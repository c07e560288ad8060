// Where synthetic text comes from: a tokenizer's exact-length prompts, or
// words of a fixed vocabulary (one word = one token of a whitespace tokenizer,
// such as the mock server's; an estimate for a real model).
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "base/error.h"

namespace aiperf::dataset {

/// Makes text of an exact length, and text that ends in a separator that
/// text placed after it cannot merge with (for blocks and prefixes).
struct TextSource {
  /// Text of exactly n tokens.
  std::function<Expected<std::string>(std::size_t n, std::mt19937_64& rng)> text;
  /// Text of exactly n tokens (separator included) ending with the separator.
  std::function<Expected<std::string>(std::size_t n, std::mt19937_64& rng)> block;
  /// True when lengths are a tokenizer's counts; false: words, an estimate.
  bool exact = false;
};

/// Words of the synthetic vocabulary; blocks end in "\n", which is no word.
TextSource word_source();

/// n words of the synthetic vocabulary separated by single spaces.
std::string synthetic_words(uint32_t n, std::mt19937_64& rng);

}  // namespace aiperf::dataset
