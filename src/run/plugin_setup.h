// What every subcommand needs before it can resolve an implementation: the
// options that shape the search path, and a registry filled from them.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "plugin/registry.h"

namespace aiperf::run {

/// Global options shared by subcommands.
struct GlobalOptions {
  std::vector<std::filesystem::path> plugin_paths;  ///< --plugin-path, in order.
  std::vector<std::filesystem::path> config_paths;  ///< plugins.paths from a config file.
  bool allow_insecure_plugins = false;              ///< --allow-insecure-plugins or env.
  /// Load each plugin library in a forked child first, for this long (0: no pre-check).
  std::chrono::milliseconds precheck_timeout{10'000};
};

/// A registry with the built-ins and everything discovery found (nothing loaded).
struct PluginSetup {
  std::vector<plugin::SearchDir> search_path;
  std::unique_ptr<plugin::PluginRegistry> registry;
  plugin::DiscoveryReport report;
};

/// The search path these options describe (flags, environment, user dir, install prefix).
std::vector<plugin::SearchDir> search_path_for(const GlobalOptions& options);

/// Registers the built-ins and discovers plugins on the search path.
PluginSetup discover_plugins(const GlobalOptions& options);

/// Prints discovery's problems as `warning:` lines and implementation conflicts
/// (e.g. a plugin overriding a built-in) as `note:` lines, on stderr.
void print_discovery_report(const PluginSetup& setup);

}  // namespace aiperf::run
