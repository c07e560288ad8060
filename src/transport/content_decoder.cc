#include "transport/content_decoder.h"

#include <zlib.h>

#include <cctype>
#include <cstring>

namespace aiperf::transport {
namespace {

constexpr std::size_t kOutChunk = 16 * 1024;

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

struct ContentDecoder::Zlib {
  z_stream s{};
  bool initialised = false;
  bool raw_retry_allowed = true;  // "deflate" may be raw (no zlib header) from some servers
  bool done = false;
  int window_bits = 0;

  bool init(int bits) {
    if (initialised) inflateEnd(&s);
    std::memset(&s, 0, sizeof s);
    window_bits = bits;
    initialised = inflateInit2(&s, bits) == Z_OK;
    return initialised;
  }
  ~Zlib() {
    if (initialised) inflateEnd(&s);
  }
};

std::string_view content_encoding_name(ContentEncoding e) {
  switch (e) {
    case ContentEncoding::kIdentity: return "identity";
    case ContentEncoding::kGzip: return "gzip";
    case ContentEncoding::kDeflate: return "deflate";
  }
  return "identity";
}

std::optional<ContentEncoding> parse_content_encoding(std::string_view header_value) {
  const std::string v = lower_trimmed(header_value);
  if (v.empty() || v == "identity") return ContentEncoding::kIdentity;
  if (v == "gzip" || v == "x-gzip") return ContentEncoding::kGzip;
  if (v == "deflate") return ContentEncoding::kDeflate;
  return std::nullopt;
}

ContentDecoder::ContentDecoder(ContentEncoding encoding) : encoding_(encoding) {
  if (encoding_ == ContentEncoding::kIdentity) return;
  z_ = std::make_unique<Zlib>();
  // gzip: 16 + 15 accepts only the gzip wrapper; deflate: 15 = zlib wrapper (raw tried on failure).
  z_->init(encoding_ == ContentEncoding::kGzip ? 16 + MAX_WBITS : MAX_WBITS);
}

ContentDecoder::~ContentDecoder() = default;

bool ContentDecoder::finished() const { return z_ && z_->done; }

Expected<std::string_view> ContentDecoder::decode(std::string_view in) {
  if (!z_) return in;
  const std::string name(content_encoding_name(encoding_));
  if (!z_->initialised) return tl::unexpected(make_error(ErrorCode::kInternal, "zlib could not be initialised"));
  out_.clear();
  if (in.empty()) return std::string_view(out_);
  if (z_->done) return tl::unexpected(make_error(ErrorCode::kMalformedInput, "bytes after the end of the " + name + " stream"));
  const bool first_input = z_->s.total_in == 0;
  z_->s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z_->s.avail_in = static_cast<uInt>(in.size());
  while (z_->s.avail_in > 0 && !z_->done) {
    const std::size_t old = out_.size();
    out_.resize(old + kOutChunk);
    z_->s.next_out = reinterpret_cast<Bytef*>(out_.data() + old);
    z_->s.avail_out = static_cast<uInt>(kOutChunk);
    const int rc = inflate(&z_->s, Z_SYNC_FLUSH);
    out_.resize(old + (kOutChunk - z_->s.avail_out));
    if (rc == Z_STREAM_END) {
      z_->done = true;
      if (z_->s.avail_in > 0) {
        return tl::unexpected(make_error(ErrorCode::kMalformedInput, "bytes after the end of the " + name + " stream"));
      }
    } else if (rc == Z_DATA_ERROR && first_input && encoding_ == ContentEncoding::kDeflate && z_->raw_retry_allowed) {
      z_->raw_retry_allowed = false;  // no zlib header: retry the same bytes as raw deflate
      if (!z_->init(-MAX_WBITS)) break;
      z_->s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z_->s.avail_in = static_cast<uInt>(in.size());
      out_.clear();
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      const char* why = z_->s.msg ? z_->s.msg : "corrupt data";
      return tl::unexpected(make_error(ErrorCode::kMalformedInput, "cannot decode " + name + " body: " + why));
    } else if (rc == Z_BUF_ERROR && z_->s.avail_out != 0) {
      break;  // needs more input
    }
  }
  z_->raw_retry_allowed = false;
  return std::string_view(out_);
}

}  // namespace aiperf::transport
