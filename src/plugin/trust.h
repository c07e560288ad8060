// Whether a plugin file may be loaded: code from a place other users can
// write to is refused unless the user explicitly allows it.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

namespace aiperf::plugin {

/// Environment variable that, set to 1, allows insecure plugin locations.
inline constexpr const char* kAllowInsecureEnv = "AIPERF_ALLOW_INSECURE_PLUGINS";

/// Why `path` (a manifest or library) is unsafe to trust, or nullopt if it is fine.
/// Refused: the file or its own directory is world-writable, or either belongs to
/// a user other than root and the current user. Sticky ancestors like /tmp are fine.
std::optional<std::string> untrusted_reason(const std::filesystem::path& path);

/// The same checks for a directory alone (a plugin directory).
std::optional<std::string> untrusted_directory_reason(const std::filesystem::path& dir);

/// The file checks of untrusted_reason (not its directory's) from stat data the
/// caller already has, e.g. fstat of the opened file; `path` only names it in
/// the message. For callers that checked the directory once for all its files;
/// `euid` lets a caller checking many files ask the kernel once.
std::optional<std::string> untrusted_file_reason(const struct stat& st,
                                                 const std::filesystem::path& path,
                                                 uid_t euid = ::geteuid());

}  // namespace aiperf::plugin
