// ContentDecoder against zlib's own encoder: gzip, zlib-wrapped and raw
// deflate, fed whole and one byte at a time, plus corrupt input.
#include "transport/content_decoder.h"

#include <zlib.h>

#include <gtest/gtest.h>

#include <string>

namespace aiperf::transport {
namespace {

// Compresses `text` with zlib; window_bits selects gzip (31), zlib (15) or raw (-15).
std::string compress(const std::string& text, int window_bits) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, text.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  s.avail_in = static_cast<uInt>(text.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

std::string sample() {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "data: {\"choices\":[{\"delta\":{\"content\":\"token " + std::to_string(i) + "\"}}]}\n\n";
  return text;
}

std::string decode_bytewise(ContentDecoder& d, const std::string& in) {
  std::string out;
  for (char c : in) {
    auto part = d.decode(std::string_view(&c, 1));
    EXPECT_TRUE(part) << part.error().message;
    if (!part) break;
    out += *part;
  }
  return out;
}

TEST(ContentEncodingTest, ParsesNamesCaseInsensitivelyAndRejectsUnknown) {
  EXPECT_EQ(parse_content_encoding(""), ContentEncoding::kIdentity);
  EXPECT_EQ(parse_content_encoding(" Identity "), ContentEncoding::kIdentity);
  EXPECT_EQ(parse_content_encoding("GZIP"), ContentEncoding::kGzip);
  EXPECT_EQ(parse_content_encoding("x-gzip"), ContentEncoding::kGzip);
  EXPECT_EQ(parse_content_encoding("deflate"), ContentEncoding::kDeflate);
  EXPECT_FALSE(parse_content_encoding("br"));
  EXPECT_FALSE(parse_content_encoding("gzip, br"));
}

TEST(ContentDecoderTest, DecodesGzipWholeAndByteByByte) {
  const std::string text = sample();
  const std::string gz = compress(text, 31);
  ContentDecoder whole(ContentEncoding::kGzip);
  auto out = whole.decode(gz);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(std::string(*out), text);
  EXPECT_TRUE(whole.finished());
  ContentDecoder bytewise(ContentEncoding::kGzip);
  EXPECT_EQ(decode_bytewise(bytewise, gz), text);
}

TEST(ContentDecoderTest, DecodesZlibAndRawDeflate) {
  const std::string text = sample();
  for (int bits : {15, -15}) {
    ContentDecoder d(ContentEncoding::kDeflate);
    auto out = d.decode(compress(text, bits));
    ASSERT_TRUE(out) << "window bits " << bits << ": " << out.error().message;
    EXPECT_EQ(std::string(*out), text) << "window bits " << bits;
  }
}

TEST(ContentDecoderTest, CorruptDataIsAnErrorNamingTheCoding) {
  std::string gz = compress(sample(), 31);
  gz[gz.size() / 2] = static_cast<char>(gz[gz.size() / 2] ^ 0x55);
  gz[gz.size() / 2 + 1] = static_cast<char>(gz[gz.size() / 2 + 1] ^ 0x55);
  ContentDecoder d(ContentEncoding::kGzip);
  auto out = d.decode(gz);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("gzip"), std::string::npos) << out.error().message;
}

TEST(ContentDecoderTest, IdentityPassesBytesThrough) {
  ContentDecoder d(ContentEncoding::kIdentity);
  auto out = d.decode("plain");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "plain");
}

}  // namespace
}  // namespace aiperf::transport
