// Synthetic prompts of an exact token length: windows of a tokenised
// public-domain corpus at seeded offsets. A window is whole corpus lines, whose
// token counts are known, between a partial first and last line; only those
// edges are decoded, re-encoded and adjusted until the text encodes to exactly
// the asked number of tokens.
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
  /// One line of the corpus (with its '\n'): where its text and its own ids are.
  struct Line {
    uint32_t text_begin = 0;  ///< Byte offset in text_.
    uint32_t ids_begin = 0;   ///< Index in ids_ of the line's ids (the line encoded alone).
    bool hard_end = false;    ///< count(this line + next) == count(this) + count(next): counts add across.
  };
  explicit PromptBuilder(const Tokenizer& tokenizer) : tokenizer_(&tokenizer) {}
  void index_lines(std::string_view corpus);
  std::string_view line_text(std::size_t k) const;
  std::size_t line_tokens(std::size_t k) const { return lines_[k + 1].ids_begin - lines_[k].ids_begin; }
  bool try_lines(std::size_t start, std::size_t tokens, std::string& out) const;
  bool append_head(std::size_t k, std::size_t tokens, std::string_view before, std::size_t before_tokens,
                   std::string& out) const;
  bool try_window(std::size_t offset, std::size_t tokens, std::string& out) const;
  bool trim_to(std::size_t tokens, std::string& text) const;

  const Tokenizer* tokenizer_;
  std::string text_;          // the corpus
  std::vector<TokenId> ids_;  // every line's ids, line after line
  std::vector<Line> lines_;   // one per line, plus an end sentinel
};

}  // namespace aiperf::tokenizer
