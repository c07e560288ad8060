// Finds added tokens (special tokens such as "<|eot_id|>", and added ones such
// as Gemma's newline runs) in text before it is normalized and pre-tokenised:
// leftmost-longest matches, as HF's Aho-Corasick matcher, through a byte trie.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/internal/bpe.h"

namespace aiperf::tokenizer::internal {

/// A stretch of text: an added token (`id`) or plain text (`id == kNoToken`).
struct Segment {
  std::size_t begin = 0;
  std::size_t end = 0;
  TokenId id = kNoToken;
};

/// The added tokens of one kind (matched on raw or on normalized text).
class AddedTokenMatcher {
 public:
  AddedTokenMatcher();
  /// Adds `content` (non-empty) as token `id`; lstrip/rstrip swallow whitespace
  /// beside a match, single_word requires non-word characters around it.
  void add(std::string_view content, TokenId id, bool lstrip, bool rstrip, bool single_word);
  bool empty() const { return count_ == 0; }
  /// Cuts `text` into segments in order, covering it whole.
  void split(std::string_view text, std::vector<Segment>& out) const;

 private:
  struct Node {
    std::vector<std::pair<unsigned char, std::uint32_t>> edges;  // sorted by byte
    TokenId id = kNoToken;
    bool lstrip = false, rstrip = false, single_word = false;
  };
  std::uint32_t child(std::uint32_t node, unsigned char byte) const;
  /// The longest token starting at `pos`: its end, or 0 when none.
  std::size_t longest_at(std::string_view text, std::size_t pos, const Node*& found) const;

  std::vector<Node> nodes_;
  bool first_byte_[256] = {};
  std::size_t count_ = 0;
};

}  // namespace aiperf::tokenizer::internal
