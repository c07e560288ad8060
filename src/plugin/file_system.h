// The file-system access of discovery and trust checks, behind a small
// interface (ninja's DiskInterface) so tests can run on a fake directory tree.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>
#include <vector>

namespace aiperf::plugin {

namespace internal {
class PaddedText;
}

/// What discovery asks of a file system. Paths are absolute. Each call returns
/// 0 or an errno value.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  /// The entry at `path` itself (a final symlink is not followed), as lstat(2).
  virtual int lstat(const std::string& path, struct stat& st) const = 0;
  /// The target of the symlink at `path`, as readlink(2).
  virtual int read_link(const std::string& path, std::string& target) const = 0;
  /// The entry names of directory `dir` (without "." and ".."), in no particular order.
  virtual int list_directory(const std::string& dir, std::vector<std::string>& names) const = 0;
  /// Reads the file at `path` without following a final symlink, at most
  /// `max_bytes` (a longer file: EFBIG). `st` is the stat of what was read (the
  /// open descriptor's, so it describes exactly those bytes).
  virtual int read_file(const std::string& path, std::size_t max_bytes, internal::PaddedText& text,
                        struct stat& st) const = 0;
  /// A handle on directory `dir` for lstat_in(), or -1 (the default: none, paths
  /// are used). Close it with close_directory().
  virtual int open_directory(const std::string& dir) const;
  virtual void close_directory(int handle) const;
  /// lstat of `dir` + "/" + `name` (`name` has no '/'), through `handle` when it
  /// is not -1: then only the last component is looked up.
  virtual int lstat_in(int handle, const std::string& dir, const std::string& name,
                       struct stat& st) const;
};

/// The real file system (POSIX calls).
class RealFileSystem final : public FileSystem {
 public:
  int lstat(const std::string& path, struct stat& st) const override;
  int read_link(const std::string& path, std::string& target) const override;
  int list_directory(const std::string& dir, std::vector<std::string>& names) const override;
  int read_file(const std::string& path, std::size_t max_bytes, internal::PaddedText& text,
                struct stat& st) const override;
  /// An O_PATH descriptor: fstatat() on it walks one component, not the whole path.
  int open_directory(const std::string& dir) const override;
  void close_directory(int handle) const override;
  int lstat_in(int handle, const std::string& dir, const std::string& name,
               struct stat& st) const override;
};

/// The process-wide real file system.
const FileSystem& real_file_system();

}  // namespace aiperf::plugin
