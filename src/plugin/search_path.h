// Where plugins are looked for, in order; the first match wins.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aiperf::plugin {

/// Environment variable holding extra plugin directories, colon-separated.
inline constexpr const char* kPluginPathEnv = "AIPERF_PLUGIN_PATH";

/// Where a search directory came from, highest precedence first.
enum class PathOrigin { kCommandLine, kEnvironment, kConfig, kUser, kInstallPrefix };

/// "command line", "AIPERF_PLUGIN_PATH", "config", "user", "install prefix".
std::string_view origin_name(PathOrigin origin);

/// One directory of the search path.
struct SearchDir {
  std::filesystem::path dir;
  PathOrigin origin;
};

/// The raw sources of the search path.
struct SearchPathSources {
  std::vector<std::filesystem::path> command_line;  ///< --plugin-path, in order.
  std::string environment;                          ///< Value of AIPERF_PLUGIN_PATH.
  std::vector<std::filesystem::path> config;        ///< plugins.paths from the config file.
  std::optional<std::filesystem::path> user_dir;
  std::optional<std::filesystem::path> prefix_dir;
};

/// Sources from this process: environment, $XDG_DATA_HOME or ~/.local/share, and the
/// plugin directory of the installation this executable belongs to.
SearchPathSources default_sources();

/// Orders and de-duplicates the sources (a directory listed twice keeps its first place).
std::vector<SearchDir> build_search_path(const SearchPathSources& sources);

}  // namespace aiperf::plugin
