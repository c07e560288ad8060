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
