// A compiled PCRE2 regular expression (UTF, Unicode properties, JIT) that
// yields the spans of its successive matches, as a pre-tokenizer needs them.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace aiperf::tokenizer::internal {

/// A match or gap: bytes [begin, end) of the searched text.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// A compiled pattern. Cheap to share between threads (match state is per thread).
class Regex {
 public:
  /// Compiles `pattern` (HF/Oniguruma or tiktoken syntax). `\s` is widened to
  /// Unicode White_Space (PCRE2 10.42 leaves out U+0085, which Oniguruma includes).
  static Expected<Regex> compile(std::string_view pattern);

  /// Appends the spans of all non-empty matches in `text` to `out`, in order.
  void find_all(std::string_view text, std::vector<Span>& out) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  std::shared_ptr<const Code> code_;
  std::string pattern_;
};

/// `pattern` with `\s`/`\S` rewritten so that they include U+0085 (exposed for tests).
std::string widen_whitespace_classes(std::string_view pattern);

}  // namespace aiperf::tokenizer::internal
