#include "run/plugin_setup.h"

#include <fmt/format.h>

#include <cstdlib>
#include <string_view>

#include "builtins/builtins.h"
#include "plugin/trust.h"

namespace aiperf::run {

std::vector<plugin::SearchDir> search_path_for(const GlobalOptions& options) {
  auto sources = plugin::default_sources();
  sources.command_line = options.plugin_paths;
  sources.config = options.config_paths;
  return plugin::build_search_path(sources);
}

PluginSetup discover_plugins(const GlobalOptions& options) {
  PluginSetup setup;
  const char* env = std::getenv(plugin::kAllowInsecureEnv);
  bool allow = options.allow_insecure_plugins || (env && std::string_view(env) == "1");
  plugin::RegistryOptions registry_options;
  registry_options.allow_insecure = allow;
  // A library whose static constructor crashes is then a clear error, not the end of aiperf.
  registry_options.precheck_timeout = options.precheck_timeout;
  setup.registry = std::make_unique<plugin::PluginRegistry>(registry_options);
  builtins::register_builtins(*setup.registry);
  setup.search_path = search_path_for(options);
  setup.report = setup.registry->discover(setup.search_path);
  return setup;
}

void print_discovery_report(const PluginSetup& setup) {
  for (const auto& e : setup.report.errors) fmt::print(stderr, "warning: {}\n", e.describe());
  for (const auto& line : setup.report.notes) fmt::print(stderr, "note: {}\n", line);
}

}  // namespace aiperf::run
