// Names of protocols and implementations: normalisation and the
// "protocol:name" form used by the CLI and config files.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "aiperf/sdk/protocols.h"

namespace aiperf::plugin {

/// The protocols this host knows, in display order (derived from the SDK's list).
inline constexpr auto kProtocols = Protocols::names;

/// The protocol a bare name refers to (the seed design's rule).
inline constexpr std::string_view kDefaultProtocol = "phase_hook";

/// Lower-cases and maps '-' to '_', so "My-Hook" and "my_hook" name the same thing.
std::string normalize_name(std::string_view name);

/// True when `protocol` (normalised) is one of kProtocols.
bool is_known_protocol(std::string_view protocol);

/// The sign of a.compare(b) (bytes as unsigned char), 8 bytes at a time and
/// inline: names share long prefixes, and a memcmp call per comparison
/// dominated sorting file names and looking names up.
inline int byte_order_compare(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) {
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
      }
      return x < y ? -1 : 1;
    }
  }
  for (; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]) ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

/// A reference to one implementation, normalised.
struct ImplementationRef {
  std::string protocol;
  std::string name;
  /// "protocol:name".
  std::string str() const { return protocol + ":" + name; }
  friend bool operator==(const ImplementationRef&, const ImplementationRef&) = default;
  friend auto operator<=>(const ImplementationRef&, const ImplementationRef&) = default;
};

/// Parses "protocol:name" or a bare "name" (protocol phase_hook). Does not check the protocol.
ImplementationRef parse_ref(std::string_view text);

}  // namespace aiperf::plugin
