// HTTP/1.1 response framing (RFC 9112) for the client: the response head
// (status line and header fields, as views into the bytes received) and the
// body's framing (Content-Length, chunked, until close), decoded incrementally
// from whatever slices the socket delivers. No allocation beyond the caller's
// field list; no dependency beyond base/error.h.
//
//   ResponseHeadParser head_parser;
//   std::vector<HeaderField> fields;
//   auto head = head_parser.parse(received, fields);   // nullopt: need more bytes
//   BodyDecoder body(**head);
//   std::string_view rest = received.substr((*head)->head_bytes);
//   while (!rest.empty() && !body.done()) { auto piece = body.next(rest); ... }
//
// Strict where leniency would be a guess: bare LF line ends, obsolete line
// folding, whitespace before a field's colon, control characters, differing
// Content-Lengths, Content-Length with Transfer-Encoding, and transfer
// codings other than chunked are errors naming what was wrong.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace aiperf::transport {

/// RFC 9110 tchar (the characters of a token: methods, header names), as a table: every
/// header name sent or received is checked a character at a time.
inline constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = t[static_cast<std::size_t>(c - 'a' + 'A')] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();
inline bool is_tchar(char c) { return kTchar[static_cast<unsigned char>(c)]; }

/// True when `s` has a CR, LF or NUL (not allowed in a field value sent), 16 bytes at a time.
bool has_cr_lf_or_nul(std::string_view s);
/// True when `s` has a space, a control character or DEL (not allowed in a request target).
bool has_space_or_control(std::string_view s);

/// A response header field; views into the client's buffers, valid only during on_headers().
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

/// How a response's body is delimited (RFC 9112 section 6.3).
enum class BodyFraming : uint8_t {
  kNone,        ///< No body: 1xx, 101, 204, 304, or the answer to HEAD.
  kLength,      ///< Content-Length bytes.
  kChunked,     ///< Transfer-Encoding: chunked.
  kUntilClose,  ///< Neither: the body ends when the server closes the connection.
};

/// What a complete response head says.
struct ResponseHead {
  int status = 0;               ///< 100..999.
  int minor_version = 1;        ///< HTTP/1.<minor_version> (0 or 1; higher minors count as 1).
  std::string_view reason;      ///< Reason phrase (may be empty); a view into the parsed bytes.
  BodyFraming framing = BodyFraming::kUntilClose;
  uint64_t content_length = 0;  ///< With kLength.
  bool keep_alive = true;       ///< The connection may carry another request after this response.
  std::string_view content_encoding;  ///< The first Content-Encoding field's value ("" when none).
  std::size_t head_bytes = 0;   ///< Length of the head, final CRLF included.
};

/// Bounds on a response head.
struct HeadLimits {
  std::size_t max_head_bytes = 64 * 1024;  ///< Status line, fields and the final CRLF.
  std::size_t max_fields = 1000;           ///< Header fields.
};

/// Finds and parses a response head at the start of the bytes received so far.
class ResponseHeadParser {
 public:
  explicit ResponseHeadParser(HeadLimits limits = {}) : limits_(limits) {}

  /// `in` holds every byte received since the head began (more each call). Returns nullopt while the
  /// head is incomplete, the head once it is (then `fields` holds views into `in`), or why it is bad.
  /// `head_request`: the request was HEAD, so the response has no body whatever its fields say.
  Expected<std::optional<ResponseHead>> parse(std::string_view in, std::vector<HeaderField>& fields,
                                              bool head_request = false);

  /// Forgets the progress of an earlier parse (call before a new head).
  void reset() { scanned_ = 0; }

 private:
  HeadLimits limits_;
  std::size_t scanned_ = 0;  // bytes of `in` known to hold no end of head
};

/// Parses a complete head (`in` ends with its empty line). Exposed for tests; parse() calls it.
Expected<ResponseHead> parse_complete_head(std::string_view in, std::vector<HeaderField>& fields,
                                           bool head_request, std::size_t max_fields);

/// Removes a body's framing, slice by slice.
class BodyDecoder {
 public:
  BodyDecoder() = default;
  /// A decoder for the body the head announces.
  explicit BodyDecoder(const ResponseHead& head);

  /// Consumes bytes from the front of `in` and returns body bytes found there (a view into `in`;
  /// empty when what was consumed was only framing). Stops at the end of the body: what is left of
  /// `in` then follows the response. Call while `in` is not empty and !done().
  Expected<std::string_view> next(std::string_view& in);

  /// The body is complete.
  bool done() const { return state_ == State::kDone; }
  /// The body ends with the connection (kUntilClose): the caller's EOF completes it.
  bool until_close() const { return state_ == State::kUntilClose; }

 private:
  enum class State : uint8_t {
    kDone,
    kLength,      // remaining_ bytes of a Content-Length body
    kUntilClose,  // everything until EOF
    kSize,        // chunk-size digits
    kExtension,   // after the size, up to CR
    kSizeLf,      // LF after the chunk-size line
    kData,        // remaining_ bytes of chunk data
    kDataCr,      // CR after chunk data
    kDataLf,      // LF after chunk data
    kTrailerStart,  // start of a trailer line or of the final CRLF
    kTrailerName,   // a trailer field's name, up to its colon
    kTrailerValue,  // its value, up to CR
    kTrailerLf,     // LF after a trailer line
    kEndLf,         // LF of the final CRLF
  };
  // Where a chunk extension is: right after the size, in whitespace before ';', before or in a name,
  // in whitespace after it, before or in a value (a token or a quoted string), after a quoted value.
  enum class Ext : uint8_t {
    kStart, kBws, kBeforeName, kName, kNameBws, kBeforeValue, kToken, kQuoted, kEscape, kAfterQuoted
  };
  Expected<std::string_view> next_chunked(std::string_view& in);
  Expected<bool> chunk_size_char(char c);
  bool extension_char(char c);

  State state_ = State::kDone;
  Ext ext_ = Ext::kStart;
  uint64_t remaining_ = 0;
  std::size_t digits_ = 0;      // of the current chunk size
  std::size_t line_bytes_ = 0;  // of the current chunk-size or trailer line
  std::size_t trailer_bytes_ = 0;
};

}  // namespace aiperf::transport
