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
/// (temporary removed) if destroyed uncommitted.
class AtomicAppendFile {
 public:
  /// Opens `<path>.tmp` for writing; throws on failure.
  explicit AtomicAppendFile(std::filesystem::path path);
  ~AtomicAppendFile();
  AtomicAppendFile(const AtomicAppendFile&) = delete;
  AtomicAppendFile& operator=(const AtomicAppendFile&) = delete;

  /// Appends bytes (buffered).
  void append(std::string_view bytes);
  /// Flushes, syncs and renames the temporary onto the final path; throws on failure.
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  std::FILE* file_ = nullptr;
};

}  // namespace aiperf::exporting
