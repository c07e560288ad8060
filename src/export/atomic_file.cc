#include "export/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace aiperf::exporting {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what) {
  throw std::runtime_error("cannot " + std::string(what) + " " + path.string() + ": " +
                           std::strerror(errno));
}

// Flushes, fsyncs and closes `file`, then renames temp onto path. On any failure the
// temporary is removed: a full disk is not left fuller by a half-written export.
void publish(std::FILE* file, const std::filesystem::path& temp, const std::filesystem::path& path) {
  bool ok = std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  ok = (std::fclose(file) == 0) && ok;
  if (!ok) {
    int saved = errno;
    std::remove(temp.c_str());
    errno = saved;
    fail(temp, "write");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    std::remove(temp.c_str());
    errno = saved;
    fail(path, "rename onto");
  }
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  auto temp = path;
  temp += ".tmp";
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr) fail(temp, "create");
  if (std::fwrite(content.data(), 1, content.size(), file) != content.size()) {
    std::fclose(file);
    std::remove(temp.c_str());
    fail(temp, "write");
  }
  publish(file, temp, path);
}

AtomicAppendFile::AtomicAppendFile(std::filesystem::path path) : path_(std::move(path)) {
  temp_ = path_;
  temp_ += ".tmp";
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(temp_, "create");
}

AtomicAppendFile::~AtomicAppendFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temp_.c_str());
  }
}

void AtomicAppendFile::append(std::string_view bytes) {
  if (fd_ < 0) throw std::logic_error("append after commit");
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int saved = n < 0 ? errno : ENOSPC;
      ::close(fd_);  // abandoned: a full disk is not left fuller by a partial export
      fd_ = -1;
      ::unlink(temp_.c_str());
      errno = saved;
      fail(temp_, "write");
    }
    done += static_cast<std::size_t>(n);
  }
}

void AtomicAppendFile::commit() {
  if (fd_ < 0) fail(temp_, "write (an earlier write failed)");
  int fd = fd_;
  fd_ = -1;
  bool ok = ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    int saved = errno;
    ::unlink(temp_.c_str());
    errno = saved;
    fail(temp_, "write");
  }
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    int saved = errno;
    ::unlink(temp_.c_str());
    errno = saved;
    fail(path_, "rename onto");
  }
}

}  // namespace aiperf::exporting
