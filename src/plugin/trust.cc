#include "plugin/trust.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aiperf::plugin {
namespace {

std::optional<std::string> check_stat(const struct stat& st, const std::filesystem::path& path,
                                      const char* what, uid_t euid = ::geteuid()) {
  if (st.st_mode & S_IWOTH) {
    return std::string(what) + " " + path.string() + " is world-writable";
  }
  if (st.st_uid != 0 && st.st_uid != euid) {
    return std::string(what) + " " + path.string() + " belongs to another user (uid " +
           std::to_string(st.st_uid) + ")";
  }
  return std::nullopt;
}

std::optional<std::string> check(const std::filesystem::path& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return std::string(what) + " " + path.string() + " cannot be checked: " + std::strerror(errno);
  }
  return check_stat(st, path, what);
}

}  // namespace

std::optional<std::string> untrusted_directory_reason(const std::filesystem::path& dir) {
  return check(dir, "directory");
}

std::optional<std::string> untrusted_reason(const std::filesystem::path& path) {
  if (auto problem = check(path, "file")) return problem;
  auto parent = path.parent_path();
  return untrusted_directory_reason(parent.empty() ? std::filesystem::path(".") : parent);
}

std::optional<std::string> untrusted_file_reason(const struct stat& st,
                                                 const std::filesystem::path& path, uid_t euid) {
  return check_stat(st, path, "file", euid);
}

}  // namespace aiperf::plugin
