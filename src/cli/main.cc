// aiperf: benchmark LLM inference servers; every extension point is a plugin.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string_view>

#include "aiperf/sdk/abi.h"
#include "aiperf/sdk/version.h"
#include "builtins/builtins.h"
#include "cli/compare_command.h"
#include "cli/config_command.h"
#include "cli/plot_command.h"
#include "cli/plugins_command.h"
#include "cli/profile_command.h"
#include "cli/tokenize_command.h"
#include "hooks/hook_host.h"

namespace {

// True when `word` is one of the arguments. The profile command's option table
// was a sixth of every other command's start-up, so it is built only when
// "profile" is on the command line (CLI11 matches a subcommand by its full name;
// anywhere, not only where a subcommand can be, to be safe).
bool has_argument(int argc, char** argv, std::string_view word) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == word) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && argv[1] == aiperf::hooks::kHookHostCommand)  // hidden: phase hooks run there
    return aiperf::hooks::hook_host_main(argc, argv, aiperf::builtins::register_builtins);
  CLI::App app{"aiperf: benchmark LLM inference servers", "aiperf"};
  app.set_version_flag("--version",
                       fmt::format("aiperf {} (plugin API {}.{}, ABI {})", AIPERF_SDK_VERSION,
                                   AIPERF_PLUGIN_API_MAJOR, AIPERF_PLUGIN_API_MINOR,
                                   AIPERF_ABI_TAG));
  app.require_subcommand(1);
  app.fallthrough();

  aiperf::run::GlobalOptions options;
  app.add_option("--plugin-path", options.plugin_paths,
                 "Extra plugin directory, searched first (repeatable)");
  app.add_flag("--allow-insecure-plugins", options.allow_insecure_plugins,
               "Load plugins from world-writable or foreign-owned places");

  int exit_code = 0;
  aiperf::cli::add_plugins_command(app, options, exit_code);
  aiperf::cli::add_profile_command(app, options, exit_code, has_argument(argc, argv, "profile"));
  aiperf::cli::add_config_command(app, options, exit_code);
  aiperf::cli::add_tokenize_command(app, exit_code);
  aiperf::cli::add_plot_command(app, exit_code);
  aiperf::cli::add_compare_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;  // usage errors exit 2, like the config errors they resemble
  } catch (const std::exception& e) {
    // Components report errors as values; this is the last line of defence, never a terminate().
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return exit_code;
}
