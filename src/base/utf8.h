// UTF-8 safety for text that came from a server: error bodies can be
// ISO-8859-1, gzip or cut anywhere, and exports (JSON) need valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aiperf {

/// Length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no overlongs, no
/// surrogates, at most U+10FFFF; 1 for ASCII), or 0 when it is invalid or `s` is empty.
std::size_t utf8_sequence_length(std::string_view s);

/// `text` with each byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

/// At most `max_bytes` of `text`, cut on a character boundary, invalid bytes replaced
/// (valid_utf8 first, then the cut), so the result is always valid UTF-8.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace aiperf
