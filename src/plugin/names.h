// Names of protocols and implementations: normalisation and the
// "protocol:name" form used by the CLI and config files.
#pragma once

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
