// An in-memory FileSystem for tests: directories, files and symlinks with
// owners and modes, and a count of the calls discovery made.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "plugin/file_system.h"

namespace aiperf::plugin::internal {

/// A fake directory tree. "/" exists (root-owned, 0755); add() creates the
/// missing parent directories with the same owner and mode 0755.
class FakeFileSystem final : public FileSystem {
 public:
  FakeFileSystem();
  /// Adds a directory.
  void add_directory(const std::string& path, mode_t mode = 0755, uid_t owner = 0);
  /// Adds a regular file.
  void add_file(const std::string& path, std::string content, mode_t mode = 0644, uid_t owner = 0);
  /// Adds a symlink.
  void add_symlink(const std::string& path, std::string target, uid_t owner = 0);
  /// Changes the mode bits of an entry.
  void chmod(const std::string& path, mode_t mode);

  int lstat(const std::string& path, struct stat& st) const override;
  int read_link(const std::string& path, std::string& target) const override;
  int list_directory(const std::string& dir, std::vector<std::string>& names) const override;
  int read_file(const std::string& path, std::size_t max_bytes, PaddedText& text,
                struct stat& st) const override;

  /// How many read_file calls succeeded or failed so far.
  std::size_t reads() const { return reads_; }

 private:
  struct Node {
    mode_t type = 0;  // S_IFDIR, S_IFREG, S_IFLNK
    mode_t mode = 0;
    uid_t owner = 0;
    std::string content;  // file bytes or link target
    ino_t inode = 0;
  };
  void add(const std::string& path, Node node);
  const Node* find(const std::string& path) const;
  void fill(const Node& node, struct stat& st) const;

  std::map<std::string, Node> nodes_;
  ino_t next_inode_ = 1;
  mutable std::size_t reads_ = 0;
};

}  // namespace aiperf::plugin::internal
