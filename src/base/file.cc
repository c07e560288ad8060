#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aiperf {

Expected<std::string> read_bounded_regular_file(const std::filesystem::path& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(ErrorCode::kIo, std::string("cannot be read: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(ErrorCode::kIo, std::string("cannot be read: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail(ErrorCode::kInvalidArgument, "is a directory, not a file");
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::kInvalidArgument, "is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return fail(ErrorCode::kTooLarge, "is " + std::to_string(st.st_size) + " bytes; the limit is " +
                                          std::to_string(max_bytes));
  }
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorCode::kIo, std::string("cannot be read: ") + std::strerror(errno));
    if (n == 0) break;  // shrank while reading
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace aiperf
