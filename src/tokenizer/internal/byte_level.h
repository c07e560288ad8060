// GPT-2's byte-level alphabet: every byte is shown as one printable code point
// (space is 'Ġ', newline 'Ċ'), so a byte-level vocabulary is valid text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aiperf::tokenizer::internal {

/// The code point that stands for `byte` in the byte-level alphabet.
char32_t byte_to_char(std::uint8_t byte);

/// The raw bytes a byte-level string stands for, or nullopt when a character
/// is not in the alphabet (added tokens such as "<｜begin▁of▁sentence｜>").
std::optional<std::string> byte_level_decode(std::string_view text);

/// The byte-level string for raw bytes (the inverse of byte_level_decode).
std::string byte_level_encode(std::string_view bytes);

/// Appends the UTF-8 encoding of `cp` to `out`.
void append_utf8(std::string& out, char32_t cp);

/// Decodes one UTF-8 code point at `pos` (advancing it); invalid bytes give U+FFFD.
char32_t next_code_point(std::string_view text, std::size_t& pos);

/// `bytes` with every invalid UTF-8 sequence replaced by U+FFFD (like Rust's from_utf8_lossy).
std::string utf8_lossy(std::string_view bytes);

}  // namespace aiperf::tokenizer::internal
