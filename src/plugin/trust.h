// Whether a plugin file may be loaded: code from a place other users can
// write to is refused unless the user explicitly allows it. Every path is
// resolved component by component and every directory on the way is judged,
// so a symlink cannot lead around the rules.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include "plugin/file_system.h"
#include "plugin/plugin_error.h"

namespace aiperf::plugin {

/// Environment variable that, set to 1, allows insecure plugin locations.
inline constexpr const char* kAllowInsecureEnv = "AIPERF_ALLOW_INSECURE_PLUGINS";

/// What the last component of a path must be.
enum class Target { kFile, kDirectory };

/// A path with every symlink resolved, and the lstat of what it names.
struct ResolvedPath {
  std::string path;   ///< Absolute, without symlinks, "." or "..".
  struct stat st {};  ///< Of the final entry (never a symlink).
};

/// Resolves `path` (relative: to the working directory) one component at a
/// time, following symlinks (at most 40). With `judge`, refuses (kInsecure):
/// a directory looked in that is world-writable and not sticky, or belongs to
/// a user other than root and `euid`; a symlink of another user; a final entry
/// that is world-writable (sticky or not) or of another user; for a kFile, its
/// own directory by the same rule, and anything but a regular file. Other
/// failures: kNotFound (ENOENT), kIo (the errno's text).
Expected<ResolvedPath> resolve_trusted(const FileSystem& fs, const std::filesystem::path& path,
                                       Target target, bool judge = true, uid_t euid = ::geteuid());

/// Why the file `path` (a manifest or library) is unsafe to trust, or nullopt if
/// it is fine: resolve_trusted() on the real file system, as one line.
std::optional<std::string> untrusted_reason(const std::filesystem::path& path);

/// The same checks for a directory (a plugin directory).
std::optional<std::string> untrusted_directory_reason(const std::filesystem::path& dir);

/// The final-entry checks from stat data the caller already has, e.g. fstat of
/// the opened file; `path` only names it in the message (a string, so a caller
/// holding one builds no path). nullopt if fine.
std::optional<std::string> untrusted_file_reason(const struct stat& st, const std::string& path,
                                                 uid_t euid = ::geteuid());

/// True when untrusted_file_reason() finds nothing wrong with `st`: the check
/// alone, for callers that build the path for the message only when needed.
bool trusted_file_stat(const struct stat& st, uid_t euid);

}  // namespace aiperf::plugin
