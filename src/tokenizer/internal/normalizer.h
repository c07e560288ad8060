// HF normalizers that aiperf supports: NFC, NFKC, NFD, NFKD (ICU), Replace
// with a string pattern, Prepend, and sequences of these.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace aiperf::tokenizer::internal {

/// One normalization step.
struct NormalizerStep {
  enum class Kind { kNfc, kNfkc, kNfd, kNfkd, kReplace, kPrepend };
  Kind kind = Kind::kNfc;
  std::string pattern;  ///< kReplace: the string replaced; kPrepend: the prefix.
  std::string content;  ///< kReplace: its replacement.
};

/// A sequence of steps, applied in order to each segment between added tokens.
class Normalizer {
 public:
  void add(NormalizerStep step) { steps_.push_back(std::move(step)); }
  bool empty() const { return steps_.empty(); }
  /// Normalizes `text` in place.
  void apply(std::string& text) const;

 private:
  std::vector<NormalizerStep> steps_;
};

/// `text` in Unicode normalization form `kind` (one of the four forms); invalid
/// UTF-8 is replaced by U+FFFD first.
std::string unicode_normalize(const std::string& text, NormalizerStep::Kind kind);

}  // namespace aiperf::tokenizer::internal
