// Files that are either complete or absent: written to a temporary sibling,
// flushed to disk, then renamed over the target.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace aiperf::exporting {

/// Writes `content` to `path` atomically; throws std::runtime_error naming the path on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// A file appended to over a run and published atomically at commit(); abandoned
/// (temporary removed) if destroyed uncommitted. Each append() is one write(2)
/// of whole lines, unbuffered: a crash or kill -9 leaves the temporary ending
/// at a line boundary, holding every line appended before it.
class AtomicAppendFile {
 public:
  /// Opens `<path>.tmp` for writing; throws on failure.
  explicit AtomicAppendFile(std::filesystem::path path);
  ~AtomicAppendFile();
  AtomicAppendFile(const AtomicAppendFile&) = delete;
  AtomicAppendFile& operator=(const AtomicAppendFile&) = delete;

  /// Appends whole lines with one write(2) (looping only on a short write); on a failed
  /// write the temporary is removed and this throws.
  void append(std::string_view bytes);
  /// Syncs and renames the temporary onto the final path; throws on failure.
  void commit();

  /// `<path>.tmp`, where the lines are until commit().
  const std::filesystem::path& temp_path() const { return temp_; }
  /// The final path.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  int fd_ = -1;
};

}  // namespace aiperf::exporting
