// HF pre-tokenizers that aiperf supports: Split (regex or string, every
// behaviour, invert), ByteLevel (prefix space, GPT-2 regex), Metaspace
// (SentencePiece style: spaces become '▁', prepend scheme, split) and Sequence.
// They cut normalized text into the pieces that BPE encodes one by one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "tokenizer/internal/regex.h"

namespace aiperf::tokenizer::internal {

/// What Split does with the delimiters it finds (HF's SplitDelimiterBehavior).
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

/// Parses "Removed", "Isolated", … (HF's names).
std::optional<SplitBehavior> parse_split_behavior(std::string_view name);

/// One pre-tokenization step.
struct PreTokenizerStep {
  enum class Kind { kSplit, kByteLevel, kMetaspace };
  /// Metaspace's prepend_scheme: a replacement before every piece, only before the text's first, or never.
  enum class Prepend { kAlways, kFirst, kNever };
  Kind kind = Kind::kSplit;
  std::optional<Regex> regex;  ///< kSplit with a Regex pattern (else `literal`).
  std::string literal;         ///< kSplit with a String pattern.
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
  bool add_prefix_space = false;  ///< kByteLevel
  std::string replacement = "\u2581";  ///< kMetaspace: what spaces become ('▁').
  Prepend prepend = Prepend::kAlways;  ///< kMetaspace
  bool split_on_replacement = true;     ///< kMetaspace `split`: pieces start at each replacement.
};

/// The pipeline of steps.
class PreTokenizer {
 public:
  void add(PreTokenizerStep step) { steps_.push_back(std::move(step)); }
  /// Cuts `text` into non-empty pieces. A step may rewrite `text` (a prefix space, Metaspace).
  /// `at_start`: `text` begins the input (Metaspace's "first" prepend scheme).
  void split(std::string& text, std::vector<Span>& pieces, bool at_start = true) const;

 private:
  std::vector<PreTokenizerStep> steps_;
};

/// Applies a Split step's `behavior` to `matches` (sorted spans inside [begin, end)),
/// appending the resulting non-empty pieces to `out` (exposed for tests).
void split_piece(std::size_t begin, std::size_t end, const std::vector<Span>& matches,
                 SplitBehavior behavior, bool invert, std::vector<Span>& out);

/// GPT-2's pattern, used by ByteLevel with use_regex.
inline constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace aiperf::tokenizer::internal
