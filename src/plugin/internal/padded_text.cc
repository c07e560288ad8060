#include "plugin/internal/padded_text.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <simdjson.h>

namespace aiperf::plugin::internal {

void PaddedText::reserve(std::size_t n) {
  if (n <= capacity_ && data_) return;
  std::size_t capacity = std::max(n, capacity_ * 2);
  auto data = std::make_unique_for_overwrite<char[]>(capacity + simdjson::SIMDJSON_PADDING);
  if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
  // simdjson may read the padding; give it defined bytes.
  std::memset(data.get() + size_, 0, capacity - size_ + simdjson::SIMDJSON_PADDING);
  data_ = std::move(data);
  capacity_ = capacity;
}

void PaddedText::assign(std::string_view text) {
  size_ = 0;
  reserve(text.size());
  if (!text.empty()) std::memcpy(data_.get(), text.data(), text.size());
  size_ = text.size();
}

int read_all(int fd, std::size_t expected_size, bool regular_file, PaddedText& text,
             std::size_t max_bytes) {
  text.size_ = 0;
  if (expected_size > max_bytes) return EFBIG;
  text.reserve(expected_size + 1);  // one byte more: a file that grew fills it
  for (;;) {
    if (text.size_ == text.capacity_) {
      if (text.size_ > max_bytes) return EFBIG;
      text.reserve(std::min(text.capacity_ * 2, max_bytes + 1));
    }
    ssize_t n = ::read(fd, text.data_.get() + text.size_, text.capacity_ - text.size_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return text.size_ > max_bytes ? EFBIG : 0;
    text.size_ += static_cast<std::size_t>(n);
    if (text.size_ > max_bytes) return EFBIG;
    // A regular file's read stops short only at its end: no second read to see EOF.
    if (regular_file && text.size_ == expected_size && text.size_ < text.capacity_) return 0;
  }
}

}  // namespace aiperf::plugin::internal
