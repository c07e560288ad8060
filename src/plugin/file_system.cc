#include "plugin/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string_view>

#include "plugin/internal/padded_text.h"

namespace aiperf::plugin {

int RealFileSystem::lstat(const std::string& path, struct stat& st) const {
  return ::lstat(path.c_str(), &st) == 0 ? 0 : errno;
}

int RealFileSystem::read_link(const std::string& path, std::string& target) const {
  char buffer[4096];
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer);
  if (n < 0) return errno;
  if (static_cast<std::size_t>(n) == sizeof buffer) return ENAMETOOLONG;
  target.assign(buffer, static_cast<std::size_t>(n));
  return 0;
}

int RealFileSystem::list_directory(const std::string& dir, std::vector<std::string>& names) const {
  struct Closer {
    void operator()(DIR* d) const { ::closedir(d); }
  };
  std::unique_ptr<DIR, Closer> listing(::opendir(dir.c_str()));
  if (!listing) return errno;
  while (const dirent* entry = ::readdir(listing.get())) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  return 0;
}

int RealFileSystem::read_file(const std::string& path, std::size_t max_bytes,
                              internal::PaddedText& text, struct stat& st) const {
  // O_NOFOLLOW: the caller resolved the path; a symlink here was put in since.
  // O_NONBLOCK: a FIFO must not block discovery.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return errno;
  int error = ::fstat(fd, &st) == 0 ? 0 : errno;
  if (error == 0) {
    error = internal::read_all(fd, static_cast<std::size_t>(st.st_size), S_ISREG(st.st_mode),
                               text, max_bytes);
  }
  ::close(fd);
  return error;
}

int FileSystem::open_directory(const std::string&) const { return -1; }

void FileSystem::close_directory(int) const {}

int FileSystem::lstat_in(int, const std::string& dir, const std::string& name, struct stat& st) const {
  return lstat(dir + "/" + name, st);
}

int RealFileSystem::open_directory(const std::string& dir) const {
  return ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

void RealFileSystem::close_directory(int handle) const {
  if (handle >= 0) ::close(handle);
}

int RealFileSystem::lstat_in(int handle, const std::string& dir, const std::string& name,
                             struct stat& st) const {
  if (handle < 0) return lstat(dir + "/" + name, st);
  return ::fstatat(handle, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

const FileSystem& real_file_system() {
  static const RealFileSystem fs;
  return fs;
}

}  // namespace aiperf::plugin
