// Discovery: the scan of the plugin search path for manifests. It reads and
// judges manifests only; no library is opened. File access goes through a
// FileSystem, so tests can run it on a fake directory tree.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "plugin/file_system.h"
#include "plugin/plugin_error.h"
#include "plugin/search_path.h"

namespace aiperf::plugin {

class PluginRegistry;

/// What one discovery pass found.
struct DiscoveryReport {
  std::size_t manifests = 0;       ///< Manifests read (good or bad).
  std::size_t packages = 0;        ///< Packages registered.
  std::vector<Error> errors;       ///< Skipped manifests and entries, each with its reason.
  /// Lines every command prints as "note: …": a candidate overriding another
  /// for one name (e.g. a plugin's endpoint:chat over the built-in).
  std::vector<std::string> notes;
};

/// How a discovery pass reads and judges.
struct DiscoveryOptions {
  bool check_trust = true;                          ///< Refuse insecure places (trust.h).
  const FileSystem* file_system = nullptr;          ///< Null: the real one.
  std::optional<std::filesystem::path> cache_file;  ///< Discovery cache; nullopt: none.
};

/// Scans each directory of `search_path` for *.aiperf-plugin.json (in byte
/// order of their names), registers the good ones into `registry` (first on
/// the search path wins a package name), and reports the rest and the conflicts.
DiscoveryReport discover_into(PluginRegistry& registry, const std::vector<SearchDir>& search_path,
                              const DiscoveryOptions& options);

}  // namespace aiperf::plugin
