#include "base/secrets.h"

#include <algorithm>

namespace aiperf {

void SecretScrubber::add(std::string secret) {
  if (secret.size() < 4 || std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  secrets_.push_back(std::move(secret));
  // Longest first, so a secret containing another is replaced whole.
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string SecretScrubber::scrub(std::string_view text) const {
  std::string out(text);
  for (const auto& secret : secrets_) {
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 10)) {
      out.replace(at, secret.size(), "<redacted>");
    }
  }
  return out;
}

}  // namespace aiperf
