// A plugin package's manifest (NAME.aiperf-plugin.json): what a library
// provides, read without opening the library. The schema is in
// manifest_schema.h; the reference parser in manifest_parser.h; the fast
// parser behind parse_manifest is internal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/plugin_error.h"

namespace aiperf::plugin {

namespace internal {
class PaddedText;
}

/// File name suffix that marks a manifest in a plugin directory.
inline constexpr std::string_view kManifestSuffix = ".aiperf-plugin.json";

/// The manifest schema major version this host reads.
inline constexpr int kManifestSchemaMajor = 1;

/// Largest manifest read (1 MiB); a bigger file is refused unread.
inline constexpr std::size_t kMaxManifestBytes = 1u << 20;

/// One implementation a package provides.
struct ManifestEntry {
  std::string protocol;     ///< Normalised protocol name.
  std::string name;         ///< Normalised implementation name.
  std::string symbol;       ///< extern "C" factory exported by the library.
  std::string description;
  int priority = 0;         ///< Higher wins a name conflict.
  nlohmann::json metadata;  ///< Protocol-specific; readable without loading.
};

/// A file path kept as its text. std::filesystem::path splits itself into
/// components when it is built (a sixth of listing 10,000 plugins from the
/// cache), while a manifest's paths are mostly only printed; this one builds a
/// std::filesystem::path only when asked for one (parent_path(), a conversion).
class PathText {
 public:
  PathText() = default;
  PathText(std::string text) : text_(std::move(text)) {}  // NOLINT: implicit, as path's
  PathText(std::string_view text) : text_(text) {}        // NOLINT
  PathText(const char* text) : text_(text) {}             // NOLINT
  explicit PathText(const std::filesystem::path& p) : text_(p.native()) {}

  const std::string& native() const { return text_; }
  const std::string& string() const { return text_; }
  const char* c_str() const { return text_.c_str(); }
  bool empty() const { return text_.empty(); }
  bool is_absolute() const { return !text_.empty() && text_.front() == '/'; }
  std::filesystem::path path() const { return text_; }
  operator std::filesystem::path() const { return text_; }  // NOLINT: where a path is wanted
  std::filesystem::path parent_path() const { return path().parent_path(); }
  std::filesystem::path filename() const { return path().filename(); }

  /// Compared as text (the same path spelt differently is not equal).
  friend bool operator==(const PathText& a, const PathText& b) { return a.text_ == b.text_; }

 private:
  std::string text_;
};

/// A parsed, validated manifest.
struct Manifest {
  PathText path;     ///< The manifest file.
  std::string schema_version;
  std::string package;
  std::string version;
  PathText library;  ///< Absolute; inside path's directory.
  int abi_major = 0;
  int abi_minor = 0;
  std::vector<ManifestEntry> entries;
};

/// Result of parsing: the manifest plus entries that were skipped (unknown protocol).
struct ParsedManifest {
  Manifest manifest;
  std::vector<Error> skipped_entries;
};

/// Parses and validates manifest text read from `path`. Errors carry the path.
Expected<ParsedManifest> parse_manifest(const std::filesystem::path& path, std::string_view text);

/// The same, for text already padded (no copy). Valid manifests take a fast path
/// (simdjson On-Demand); anything it does not accept is parsed again by the
/// reference parser, which gives the error and its line and column.
Expected<ParsedManifest> parse_manifest(const std::filesystem::path& path,
                                        const internal::PaddedText& text);

/// Reads and parses the manifest at `path` (at most kMaxManifestBytes).
Expected<ParsedManifest> read_manifest(const std::filesystem::path& path);

/// The error for a manifest larger than kMaxManifestBytes.
Error manifest_too_large(const std::filesystem::path& path);

}  // namespace aiperf::plugin
