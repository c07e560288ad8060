// A reusable byte buffer with the spare capacity simdjson may read past the
// end, so a manifest read into it is parsed without a copy.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace aiperf::plugin::internal {

/// Bytes of a file followed by parser padding. Reusable across reads.
class PaddedText {
 public:
  PaddedText() = default;
  std::string_view view() const { return {data_.get(), size_}; }
  std::size_t size() const { return size_; }
  /// Room for `n` bytes (plus padding), keeping the current contents.
  void reserve(std::size_t n);
  /// Replaces the contents with `text`.
  void assign(std::string_view text);

 private:
  friend int read_all(int fd, std::size_t expected_size, bool regular_file, PaddedText& text,
                      std::size_t max_bytes);
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;  // excluding the padding
};

/// Reads the open file `fd` to its end into `text`. `expected_size` (from fstat)
/// sizes a single read of expected_size + 1 bytes: for a regular file that comes
/// back short with exactly `expected_size` bytes, that read was the last one.
/// A file that grew or shrank meanwhile is read on to its end, but never past
/// `max_bytes`: a file longer than that gives EFBIG. Returns 0 or an errno.
int read_all(int fd, std::size_t expected_size, bool regular_file, PaddedText& text,
             std::size_t max_bytes = static_cast<std::size_t>(-1) / 2);

}  // namespace aiperf::plugin::internal
