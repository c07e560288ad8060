// `aiperf tokenize --tokenizer NAME_OR_PATH [--ids] [--no-special] [--stats] [FILE|-]`:
// for each input line, its token count (or its ids), with the native tokenizer.
#pragma once

#include <CLI/CLI.hpp>

namespace aiperf::cli {

/// Adds the `tokenize` subcommand to `app`; it stores its exit code in `exit_code`.
void add_tokenize_command(CLI::App& app, int& exit_code);

}  // namespace aiperf::cli
