// Decoding of HTTP content codings (RFC 9110 §8.4) the client may receive even
// though it asks for `identity`: gzip and deflate, through zlib. Incremental,
// so a compressed SSE stream is decoded slice by slice as it is read (a server
// that flushes per event yields each event in the read that carried it).
//
//   auto enc = parse_content_encoding("gzip");          // ContentEncoding::kGzip
//   ContentDecoder d(*enc);
//   auto text = d.decode(compressed_slice);              // view of the decoded bytes
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace aiperf::transport {

/// A content coding the client can decode.
enum class ContentEncoding : uint8_t {
  kIdentity,  ///< No coding (also: header absent, "identity").
  kGzip,      ///< "gzip" or "x-gzip" (RFC 1952).
  kDeflate,   ///< "deflate": the zlib format (RFC 1950); raw deflate is accepted too.
};

/// Stable lowercase name: "identity", "gzip", "deflate".
std::string_view content_encoding_name(ContentEncoding e);

/// The coding named by a Content-Encoding header value (case-insensitive,
/// surrounding spaces ignored), or nullopt when it is one the client cannot
/// decode (br, zstd, several codings stacked).
std::optional<ContentEncoding> parse_content_encoding(std::string_view header_value);

/// Incremental gzip/deflate decoder for one response body.
class ContentDecoder {
 public:
  /// A decoder for `encoding` (kIdentity passes bytes through).
  explicit ContentDecoder(ContentEncoding encoding);
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  /// Decodes the next slice of the body. The view points into the decoder's
  /// buffer and stays valid until the next call; it may be empty (the slice
  /// held only part of a deflate block). Fails on corrupt data or on bytes
  /// after the end of the compressed stream.
  Expected<std::string_view> decode(std::string_view in);
  /// True once the compressed stream's end marker was decoded (always false for identity).
  bool finished() const;
  /// The coding being decoded.
  ContentEncoding encoding() const { return encoding_; }

 private:
  struct Zlib;
  ContentEncoding encoding_;
  std::unique_ptr<Zlib> z_;
  std::string out_;
};

}  // namespace aiperf::transport
