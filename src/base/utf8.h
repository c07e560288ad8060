// UTF-8 safety for text that came from a server: error bodies can be
// ISO-8859-1, gzip or cut anywhere, and exports (JSON) need valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aiperf {

/// `text` with each byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

/// At most `max_bytes` of `text`, cut on a character boundary, invalid bytes replaced
/// (valid_utf8 first, then the cut), so the result is always valid UTF-8.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace aiperf
