// Deterministic content of the mock server: its vocabulary, its tokenizer and
// its embedding vectors.
//
// Token contract: output token i is word vocabulary_word(i) (the vocabulary
// is cycled), preceded by one space unless i == 0, so the text of n tokens is
// n words separated by single spaces and the mock tokenizer (count_tokens)
// counts it back as exactly n tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aiperf::mock_server {

/// Number of words in the fixed output vocabulary.
inline constexpr std::size_t kVocabularySize = 64;

/// The vocabulary word of output token i (i taken modulo kVocabularySize).
std::string_view vocabulary_word(std::size_t i);

/// Text of output token i: its word, with one leading space unless i == 0.
std::string token_text(std::size_t i);

/// Text of output tokens 0..n-1 concatenated: n words separated by single spaces.
std::string tokens_text(std::size_t n);

/// The mock tokenizer: the number of whitespace-separated words in text.
std::size_t count_tokens(std::string_view text);

/// Appends one id per word of `text` (the mock tokenizer's tokens): a hash of the word's bytes.
void append_word_ids(std::string_view text, std::vector<std::uint64_t>& out);

/// A deterministic, L2-normalised embedding vector of dim values for text.
std::vector<float> embedding_vector(std::string_view text, std::size_t dim);

/// SplitMix64 finaliser: a well-mixed 64-bit hash of x.
std::uint64_t mix64(std::uint64_t x);

}  // namespace aiperf::mock_server
