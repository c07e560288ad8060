#include "export/atomic_file.h"

#include <fcntl.h>
#include <sched.h>
#include <time.h>
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

// CLOCK_MONOTONIC_COARSE (a vDSO read, a few ns; ticks of a few ms are fine for a 100 ms bound).
// Async-signal-safe.
int64_t coarse_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
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

AtomicAppendFile::AtomicAppendFile(std::filesystem::path path)
    : path_(std::move(path)), buffer_(std::make_unique<char[]>(kGatherBytes)) {
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

AtomicAppendFile::Update::Update(AtomicAppendFile& file) : file_(file) {
  file_.updating_.store(true);
  if (file_.frozen_.load()) {  // a crash is being handled: the process is ending, write nothing more
    file_.updating_.store(false);
    started_ = false;
  }
}

AtomicAppendFile::Update::~Update() {
  if (started_) file_.updating_.store(false);
}

void AtomicAppendFile::write_all(const char* data, std::size_t size, std::atomic<std::size_t>* progress) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd_, data + done, size - done);
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
    if (progress != nullptr) progress->store(done);
  }
}

void AtomicAppendFile::write_gathered() {
  const std::size_t gathered = gathered_.load();
  if (gathered == 0) return;
  write_all(buffer_.get(), gathered, &written_);
  gathered_.store(0);
  written_.store(0);
}

void AtomicAppendFile::append(std::string_view bytes) {
  if (fd_ < 0) throw std::logic_error("append after commit");
  const Update update(*this);
  if (!update) return;
  if (gathered_.load() + bytes.size() > kGatherBytes) write_gathered();
  if (bytes.size() >= kGatherBytes) return write_all(bytes.data(), bytes.size());
  const std::size_t gathered = gathered_.load();
  const int64_t now = coarse_now_ns();
  if (gathered == 0) oldest_ns_ = now;
  std::memcpy(buffer_.get() + gathered, bytes.data(), bytes.size());
  gathered_.store(gathered + bytes.size());  // after the copy: the handler writes only whole appends
  if (now - oldest_ns_ >= kMaxDelayNs) write_gathered();
}

void AtomicAppendFile::flush() {
  if (fd_ < 0) return;
  const Update update(*this);
  if (update) write_gathered();
}

void AtomicAppendFile::write_gathered_for_crash(void* self) noexcept {
  auto* file = static_cast<AtomicAppendFile*>(self);
  file->frozen_.store(true);
  // An update under way on another thread ends within a write(2); give it 2 s. One that does not
  // (the crash is inside it, or the disk hangs) may be half done: then write nothing.
  const int64_t give_up = coarse_now_ns() + 2'000'000'000;
  while (file->updating_.load()) {
    if (coarse_now_ns() > give_up) return;
    ::sched_yield();
  }
  const int fd = file->fd_;
  const std::size_t end = file->gathered_.load();
  std::size_t at = file->written_.load();
  while (fd >= 0 && at < end) {
    const ssize_t n = ::write(fd, file->buffer_.get() + at, end - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    at += static_cast<std::size_t>(n);
  }
}

void AtomicAppendFile::commit() {
  if (fd_ < 0) fail(temp_, "write (an earlier write failed)");
  flush();
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
