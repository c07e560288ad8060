// `aiperf compare RUN_A RUN_B [...] [--fail-if TAG:STAT:LIMIT]...`: every metric
// of each run against the first, with bootstrap significance; gates exit 1.
#pragma once

#include <CLI/CLI.hpp>

namespace aiperf::cli {

/// Adds the `compare` subcommand to `app`; it stores its exit code in `exit_code`.
void add_compare_command(CLI::App& app, int& exit_code);

}  // namespace aiperf::cli
