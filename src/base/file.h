// Reading the files a user names (config, input files): regular files only and
// size-bounded, so a directory, FIFO or /dev/zero is a clear error rather than
// a crash, a hang or an endless read.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "base/error.h"

namespace aiperf {

/// The whole content of `path` if it is a regular file of at most `max_bytes`;
/// else kIo (unreadable), kInvalidArgument (not a regular file) or kTooLarge.
Expected<std::string> read_bounded_regular_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace aiperf
