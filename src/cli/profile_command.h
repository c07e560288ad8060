// `aiperf profile`: benchmark a server (AIPerf's flag names, so users can switch).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/plugin_setup.h"

namespace aiperf::cli {

/// Adds the `profile` subcommand to `app`; the run stores its exit code.
void add_profile_command(CLI::App& app, GlobalOptions& options, int& exit_code);

}  // namespace aiperf::cli
