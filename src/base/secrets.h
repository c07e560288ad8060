// Scrubbing configured secrets (API keys, credential header values) out of text
// that aiperf writes or prints: a server's error body may echo request headers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aiperf {

/// Replaces every occurrence of each secret with "<redacted>".
class SecretScrubber {
 public:
  /// Adds a secret; strings shorter than 4 bytes are ignored (they would redact ordinary text).
  void add(std::string secret);
  /// `text` with every secret replaced.
  std::string scrub(std::string_view text) const;
  /// True when no secret is configured (scrub is then a copy).
  bool empty() const { return secrets_.empty(); }

 private:
  std::vector<std::string> secrets_;
};

}  // namespace aiperf
