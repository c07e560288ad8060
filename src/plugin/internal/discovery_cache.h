// The discovery cache: parsed manifests kept between runs, keyed by each
// manifest file's identity (path, size, mtime, ctime, inode, device), as
// GStreamer's registry cache does. Discovery still lists every plugin
// directory and stats every manifest each time; only the read and the parse of
// an unchanged manifest are saved, so a changed, added or removed manifest is
// never served stale, and the trust checks still run on fresh stat data.
//
// One file, $XDG_CACHE_HOME/aiperf/discovery.cache (else ~/.cache/aiperf/),
// mode 0600, replaced atomically (temporary file + rename). A file that is
// missing, foreign, corrupt or from another version is ignored and rewritten;
// one that cannot be written is not an error. AIPERF_NO_DISCOVERY_CACHE=1
// turns the cache off. A parse whose record would exceed kMaxRecordBytes is
// not kept (such a manifest is parsed each time), so a huge manifest cannot
// grow the file.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/manifest.h"

namespace aiperf::plugin::internal {

/// Environment variable that, set (to anything but "" or "0"), turns the cache off.
inline constexpr const char* kNoDiscoveryCacheEnv = "AIPERF_NO_DISCOVERY_CACHE";

/// Largest record kept for one manifest (64 KiB).
inline constexpr std::size_t kMaxRecordBytes = 64u << 10;

/// What identifies one version of a manifest file.
struct FileKey {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
  static FileKey of(const struct stat& st);
  friend bool operator==(const FileKey&, const FileKey&) = default;
};

/// The cache file for this environment, or nullopt when the cache is off or
/// there is no cache directory (neither $XDG_CACHE_HOME nor $HOME).
std::optional<std::filesystem::path> discovery_cache_file();

/// One discovery pass's view of the cache. Use: for each directory in
/// search-path order, begin_directory(), then lookup() or store() for its
/// manifests in name order, then end_directory(); finally save().
class DiscoveryCache {
 public:
  /// A cache kept in `file`; nullopt: a disabled cache that stores nothing.
  /// The file is read on first use.
  explicit DiscoveryCache(std::optional<std::filesystem::path> file);
  ~DiscoveryCache();
  DiscoveryCache(const DiscoveryCache&) = delete;
  DiscoveryCache& operator=(const DiscoveryCache&) = delete;

  bool enabled() const { return file_.has_value(); }

  void begin_directory(const std::filesystem::path& dir);
  /// The cached parse of `name` (in the current directory; `path` is dir/name)
  /// if the file still has `key`; then its record is kept, and `path` is moved
  /// into the result's manifest.
  std::optional<ParsedManifest> lookup(std::string_view name, const FileKey& key, PathText& path);
  /// Keeps a fresh parse of `name`, read from the file when it had `key`. A file
  /// changed less than a racy margin (2 s) before this pass is not kept: a
  /// second change within its timestamps' granularity would not show in `key`.
  void store(std::string_view name, const FileKey& key, const ParsedManifest& parsed);
  void end_directory();

  /// Writes the cache file if anything changed; failures are ignored.
  void save();

 private:
  struct Record;
  struct Section;
  bool load();
  const Section* old_section(std::string_view dir) const;

  std::optional<std::filesystem::path> file_;
  std::int64_t now_ns_ = 0;
  bool loaded_ = false;
  bool changed_ = false;
  std::unique_ptr<char[]> old_bytes_;    // the file as read
  std::size_t old_size_ = 0;
  std::vector<Section> old_sections_;    // views into old_bytes_
  std::vector<Section> new_sections_;    // directories of this pass
  Section* current_ = nullptr;           // in new_sections_
  const Section* current_old_ = nullptr;  // in old_sections_
  std::size_t old_cursor_ = 0;           // next old record of the current directory
};

}  // namespace aiperf::plugin::internal
