// HF decoders that aiperf supports: ByteLevel, Replace, ByteFallback, Fuse,
// Strip, Metaspace and Sequence. They turn model tokens back into text.
#pragma once

#include <string>
#include <vector>

namespace aiperf::tokenizer::internal {

/// One decoding step over the list of token strings (HF's decode_chain).
struct DecoderStep {
  enum class Kind { kByteLevel, kReplace, kByteFallback, kFuse, kStrip, kMetaspace };
  Kind kind = Kind::kByteLevel;
  std::string pattern;  ///< kReplace: replaced string; kStrip/kMetaspace: the character.
  std::string content;  ///< kReplace: replacement.
  int start = 0;        ///< kStrip: characters stripped at the start of each token.
  int stop = 0;         ///< kStrip: … and at the end.
  bool prefix_space = true;  ///< kMetaspace: drop the space the pre-tokenizer prepended.
};

/// The decoder: steps in order, then concatenation.
class Decoder {
 public:
  void add(DecoderStep step) { steps_.push_back(std::move(step)); }
  /// The text of `tokens` (token bytes as the model stores them); invalid UTF-8 becomes U+FFFD.
  std::string decode(std::vector<std::string> tokens) const;
  /// True when decoding is only concatenating the token bytes (ByteLevel, Fuse).
  bool concatenates() const {
    for (const DecoderStep& s : steps_) {
      if (s.kind != DecoderStep::Kind::kByteLevel && s.kind != DecoderStep::Kind::kFuse) return false;
    }
    return true;
  }

 private:
  std::vector<DecoderStep> steps_;
};

}  // namespace aiperf::tokenizer::internal
