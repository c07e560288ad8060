// `aiperf profile`: benchmark a server (AIPerf's flag names, so users can switch).
// The flags come from the option table (config/option_table.h); the run is run/.
#pragma once

#include <CLI/CLI.hpp>

#include "run/plugin_setup.h"

namespace aiperf::cli {

/// Adds the `profile` subcommand to `app`; the run stores its exit code. Without
/// `with_options` only the subcommand (name, description) is added: enough for
/// the top-level help and for any other command, whose start-up it would slow.
void add_profile_command(CLI::App& app, run::GlobalOptions& options, int& exit_code,
                         bool with_options = true);

}  // namespace aiperf::cli
