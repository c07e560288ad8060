// `aiperf plot ARTIFACT_DIR... [-o report.html] [--png DIR]`: the HTML report of
// one or more runs (overlaid), optionally every chart as PNG too.
#pragma once

#include <CLI/CLI.hpp>

namespace aiperf::cli {

/// Adds the `plot` subcommand to `app`; it stores its exit code in `exit_code`.
void add_plot_command(CLI::App& app, int& exit_code);

}  // namespace aiperf::cli
