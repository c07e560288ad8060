// A plugin package's manifest (NAME.aiperf-plugin.json): what a library
// provides, read without opening the library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/plugin_error.h"

namespace aiperf::plugin {

/// File name suffix that marks a manifest in a plugin directory.
inline constexpr std::string_view kManifestSuffix = ".aiperf-plugin.json";

/// The manifest schema major version this host reads.
inline constexpr int kManifestSchemaMajor = 1;

/// One implementation a package provides.
struct ManifestEntry {
  std::string protocol;     ///< Normalised protocol name.
  std::string name;         ///< Normalised implementation name.
  std::string symbol;       ///< extern "C" factory exported by the library.
  std::string description;
  int priority = 0;         ///< Higher wins a name conflict.
  nlohmann::json metadata;  ///< Protocol-specific; readable without loading.
};

/// A parsed, validated manifest.
struct Manifest {
  std::filesystem::path path;     ///< The manifest file.
  std::string schema_version;
  std::string package;
  std::string version;
  std::filesystem::path library;  ///< Absolute; inside path's directory.
  int abi_major = 0;
  int abi_minor = 0;
  std::vector<ManifestEntry> entries;
};

/// Result of parsing: the manifest plus entries that were skipped (unknown protocol).
struct ParsedManifest {
  Manifest manifest;
  std::vector<Error> skipped_entries;
};

/// Bytes of a file followed by the spare capacity the fast JSON parser may read
/// past the end, so a file read into it is parsed without a copy. Reusable.
class PaddedText {
 public:
  PaddedText() = default;
  std::string_view view() const { return {data_.get(), size_}; }
  std::size_t size() const { return size_; }
  /// Room for `n` bytes (plus padding), keeping the current contents.
  void reserve(std::size_t n);
  /// Replaces the contents with `text`.
  void assign(std::string_view text);

 private:
  friend int read_all(int fd, std::size_t expected_size, bool regular_file, PaddedText& text);
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;  // excluding the padding
};

/// Reads the open file `fd` to its end into `text`. `expected_size` (from fstat)
/// sizes a single read of expected_size + 1 bytes: for a regular file that comes
/// back short with exactly `expected_size` bytes, that read was the last one.
/// A file that grew or shrank meanwhile is read on to its end. Returns 0 or an errno.
int read_all(int fd, std::size_t expected_size, bool regular_file, PaddedText& text);

/// Parses and validates manifest text read from `path`. Errors carry the path.
Expected<ParsedManifest> parse_manifest(const std::filesystem::path& path, std::string_view text);

/// The same, for text already padded (no copy). Valid manifests take a fast path
/// (simdjson On-Demand); anything it does not accept is parsed again by the
/// reference parser below, which gives the error and its line and column.
Expected<ParsedManifest> parse_manifest(const std::filesystem::path& path, const PaddedText& text);

/// The reference parser (nlohmann/json): slower, and the source of every error
/// message. parse_manifest gives the same result for every input.
Expected<ParsedManifest> parse_manifest_reference(const std::filesystem::path& path,
                                                  std::string_view text);

/// Reads and parses the manifest at `path`.
Expected<ParsedManifest> read_manifest(const std::filesystem::path& path);

/// How many manifests this process has parsed (a test hook: e.g. to see that a
/// discovery was served from the cache, or that valid manifests take the fast path).
struct ManifestParseCounts {
  std::uint64_t total = 0;      ///< parse_manifest, read_manifest, parse_manifest_reference.
  std::uint64_t reference = 0;  ///< Of which parsed (again) by the reference parser.
};
ManifestParseCounts manifest_parse_counts();

}  // namespace aiperf::plugin
