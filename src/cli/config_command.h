// `aiperf config validate FILE`: checks a benchmark.yaml without running it.
#pragma once

#include <CLI/CLI.hpp>

#include "run/plugin_setup.h"

namespace aiperf::cli {

/// Adds the `config` subcommand tree to `app`; the chosen action stores its exit code.
void add_config_command(CLI::App& app, run::GlobalOptions& options, int& exit_code);

}  // namespace aiperf::cli
