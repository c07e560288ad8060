// `aiperf plugins list|show|paths|check`: what plugins exist and whether they load.
#pragma once

#include <CLI/CLI.hpp>

#include "run/plugin_setup.h"

namespace aiperf::cli {

/// Adds the `plugins` subcommand tree to `app`; the chosen action stores its exit code.
void add_plugins_command(CLI::App& app, run::GlobalOptions& options, int& exit_code);

}  // namespace aiperf::cli
