// Synthetic prompts of an exact token length: windows of a tokenised
// public-domain corpus at seeded offsets, decoded, re-encoded and adjusted
// until the text encodes to exactly the asked number of tokens.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "tokenizer/tokenizer.h"

namespace aiperf::tokenizer {

/// The corpus shipped with aiperf (KJV books; see src/tokenizer/data/README.md).
std::string_view builtin_corpus();

/// Builds prompts from one tokenizer's view of a corpus. Keeps a reference to
/// the tokenizer, which must outlive it. const methods are thread-safe.
class PromptBuilder {
 public:
  /// Tokenises `corpus` (default: the built-in one) once.
  static Expected<PromptBuilder> create(const Tokenizer& tokenizer,
                                        std::string_view corpus = builtin_corpus());

  /// A prompt that `tokenizer.count(prompt, {false, true})` finds exactly `tokens`
  /// long (no BOS counted: the server adds its own). Offsets come from `rng`.
  Expected<std::string> build(std::size_t tokens, std::mt19937_64& rng) const;

  /// A prompt of exactly `tokens` tokens that ends with `suffix` (e.g. "\n"), so
  /// text placed after it cannot merge with it; `tokens` must exceed the suffix's own count.
  Expected<std::string> build_ending_with(std::size_t tokens, std::string_view suffix, std::mt19937_64& rng) const;

  /// How many tokens the corpus has (the longest prompt is a little shorter).
  std::size_t corpus_tokens() const { return ids_.size(); }

 private:
  PromptBuilder(const Tokenizer& tokenizer, std::vector<TokenId> ids)
      : tokenizer_(&tokenizer), ids_(std::move(ids)) {}
  bool try_window(std::size_t offset, std::size_t tokens, std::string& out) const;
  bool trim_to(std::size_t tokens, std::string& text) const;

  const Tokenizer* tokenizer_;
  std::vector<TokenId> ids_;
};

}  // namespace aiperf::tokenizer
