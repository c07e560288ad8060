#include "export/atomic_file.h"

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
  file_ = std::fopen(temp_.c_str(), "wb");
  if (file_ == nullptr) fail(temp_, "create");
}

AtomicAppendFile::~AtomicAppendFile() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove(temp_.c_str());
  }
}

void AtomicAppendFile::append(std::string_view bytes) {
  if (file_ == nullptr) throw std::logic_error("append after commit");
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    int saved = errno;
    std::fclose(file_);  // abandoned: the destructor must not write the rest
    file_ = nullptr;
    std::remove(temp_.c_str());
    errno = saved;
    fail(temp_, "write");
  }
}

void AtomicAppendFile::commit() {
  if (file_ == nullptr) fail(temp_, "write (an earlier write failed)");
  std::FILE* file = file_;
  file_ = nullptr;
  publish(file, temp_, path_);
}

}  // namespace aiperf::exporting
