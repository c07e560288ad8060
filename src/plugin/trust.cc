#include "plugin/trust.h"

#include <cerrno>
#include <cstring>
#include <deque>
#include <string_view>
#include <utility>

namespace aiperf::plugin {
namespace {

constexpr int kMaxSymlinks = 40;  // as the kernel's ELOOP limit

bool foreign(const struct stat& st, uid_t euid) { return st.st_uid != 0 && st.st_uid != euid; }

std::string another_user(const char* what, const std::string& path, const struct stat& st) {
  return std::string(what) + " " + path + " belongs to another user (uid " +
         std::to_string(st.st_uid) + ")";
}

// The strict rule: for the final entry and, for a file, its own directory.
// trusted_file_stat() is the same rule without the messages.
std::optional<std::string> check_stat(const struct stat& st, const std::string& path,
                                      const char* what, uid_t euid) {
  if (st.st_mode & S_IWOTH) return std::string(what) + " " + path + " is world-writable";
  if (foreign(st, euid)) return another_user(what, path, st);
  return std::nullopt;
}

// The rule for a directory a lookup passes through: /tmp (sticky) is fine.
std::optional<std::string> check_traversed(const struct stat& st, const std::string& path,
                                           uid_t euid) {
  if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
    return "directory " + path + " on the way is world-writable and not sticky";
  }
  if (foreign(st, euid)) return another_user("directory", path, st);
  return std::nullopt;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string join(const std::string& dir, std::string_view name) {
  return dir == "/" ? "/" + std::string(name) : dir + "/" + std::string(name);
}

// Pushes the components of `path` in front of `parts`, in order.
void push_front_parts(std::string_view path, std::deque<std::string>& parts) {
  std::deque<std::string> mine;
  std::size_t at = 0;
  while (at <= path.size()) {
    std::size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(at, slash - at);
    if (!part.empty() && part != ".") mine.emplace_back(part);
    at = slash + 1;
  }
  parts.insert(parts.begin(), mine.begin(), mine.end());
}

Error io_error(int error, const std::string& path) {
  if (error == ENOENT) return make_error(ErrorCode::kNotFound, path + " does not exist");
  return make_error(ErrorCode::kIo, path + " cannot be checked: " + std::strerror(error));
}

Error insecure(std::string problem) { return make_error(ErrorCode::kInsecure, std::move(problem)); }

// The walk itself; `dir_st` ends as the stat of the final entry's directory.
Expected<ResolvedPath> walk(const FileSystem& fs, std::deque<std::string> parts, bool judge,
                            uid_t euid, struct stat& dir_st) {
  std::string current = "/";
  if (int e = fs.lstat(current, dir_st)) return tl::unexpected(io_error(e, current));
  if (judge) {
    if (auto problem = check_traversed(dir_st, current, euid)) return fail(insecure(*problem));
  }
  int links = 0;
  ResolvedPath out;
  out.path = current;
  out.st = dir_st;
  while (!parts.empty()) {
    std::string part = std::move(parts.front());
    parts.pop_front();
    if (part == "..") {
      current = parent_of(current);
      if (int e = fs.lstat(current, dir_st)) return tl::unexpected(io_error(e, current));
      out = {current, dir_st};
      continue;
    }
    std::string next = join(current, part);
    struct stat st {};
    if (int e = fs.lstat(next, st)) return tl::unexpected(io_error(e, next));
    if (S_ISLNK(st.st_mode)) {
      if (judge && foreign(st, euid)) return fail(insecure(another_user("symlink", next, st)));
      if (++links > kMaxSymlinks) return tl::unexpected(io_error(ELOOP, next));
      std::string target;
      if (int e = fs.read_link(next, target)) return tl::unexpected(io_error(e, next));
      if (target.starts_with('/')) current = "/";
      push_front_parts(target, parts);
      if (int e = fs.lstat(current, dir_st)) return tl::unexpected(io_error(e, current));
      continue;
    }
    if (!parts.empty()) {  // a directory to look in next
      if (!S_ISDIR(st.st_mode)) return tl::unexpected(io_error(ENOTDIR, next));
      if (judge) {
        if (auto problem = check_traversed(st, next, euid)) return fail(insecure(*problem));
      }
      dir_st = st;
    }
    current = next;
    out = {next, st};
  }
  return out;
}

}  // namespace

Expected<ResolvedPath> resolve_trusted(const FileSystem& fs, const std::filesystem::path& path,
                                       Target target, bool judge, uid_t euid) {
  std::error_code ec;
  std::filesystem::path absolute = path.is_absolute() ? path : std::filesystem::absolute(path, ec);
  if (ec) return fail(ErrorCode::kIo, path.string() + " cannot be resolved: " + ec.message());
  std::deque<std::string> parts;
  push_front_parts(absolute.native(), parts);
  struct stat dir_st {};
  auto resolved = walk(fs, std::move(parts), judge, euid, dir_st);
  if (!resolved) return resolved;
  const std::string& p = resolved->path;
  const struct stat& st = resolved->st;
  if (target == Target::kDirectory && !S_ISDIR(st.st_mode)) {
    return tl::unexpected(io_error(ENOTDIR, p));
  }
  if (target == Target::kFile && !S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kIo, p + " is not a regular file");
  }
  if (!judge) return resolved;
  if (auto problem = check_stat(st, p, target == Target::kFile ? "file" : "directory", euid)) {
    return fail(insecure(*problem));
  }
  if (target == Target::kFile) {
    if (auto problem = check_stat(dir_st, parent_of(p), "directory", euid)) {
      return fail(insecure(*problem));
    }
  }
  return resolved;
}

std::optional<std::string> untrusted_reason(const std::filesystem::path& path) {
  auto resolved = resolve_trusted(real_file_system(), path, Target::kFile);
  if (resolved) return std::nullopt;
  return resolved.error().message;
}

std::optional<std::string> untrusted_directory_reason(const std::filesystem::path& dir) {
  auto resolved = resolve_trusted(real_file_system(), dir, Target::kDirectory);
  if (resolved) return std::nullopt;
  return resolved.error().message;
}

std::optional<std::string> untrusted_file_reason(const struct stat& st, const std::string& path,
                                                 uid_t euid) {
  return check_stat(st, path, "file", euid);
}

bool trusted_file_stat(const struct stat& st, uid_t euid) {
  return (st.st_mode & S_IWOTH) == 0 && !foreign(st, euid);
}

}  // namespace aiperf::plugin
