#include "plugin/discovery.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "plugin/internal/discovery_cache.h"
#include "plugin/internal/padded_text.h"
#include "plugin/names.h"
#include "plugin/plugin_library.h"
#include "plugin/registry.h"
#include "plugin/trust.h"

namespace aiperf::plugin {
namespace {

bool byte_order_less(std::string_view a, std::string_view b) { return byte_order_compare(a, b) < 0; }

// Up to 8 bytes of `s` from `at` as a big-endian number, zero-padded: comparing
// these compares those bytes in byte order (a file name has no NUL byte).
std::uint64_t order_key(std::string_view s, std::size_t at) {
  std::uint64_t key = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    key = (key << 8) | (at + i < s.size() ? static_cast<unsigned char>(s[at + i]) : 0u);
  }
  return key;
}

// The *.aiperf-plugin.json names of a directory listing, sorted. Generated names
// share a long prefix, so each is sorted by the 8 bytes after the common prefix
// (one integer comparison), and the names only where those are equal.
std::vector<std::string> manifest_names(std::vector<std::string> listed) {
  std::vector<std::string> names;
  names.reserve(listed.size());
  for (auto& name : listed) {
    if (name.size() > kManifestSuffix.size() && name.ends_with(kManifestSuffix)) {
      names.push_back(std::move(name));
    }
  }
  if (names.size() < 2) return names;
  std::size_t common = names[0].size();
  for (const auto& name : names) {
    std::size_t i = 0;
    while (i < common && i < name.size() && name[i] == names[0][i]) ++i;
    common = i;
  }
  struct Item {
    std::uint64_t key;
    std::uint32_t index;
  };
  std::vector<Item> items(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    items[i] = {order_key(names[i], common), static_cast<std::uint32_t>(i)};
  }
  const std::size_t rest = common + 8;
  std::sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    if (a.key != b.key) return a.key < b.key;
    std::string_view x = names[a.index], y = names[b.index];
    return byte_order_less(x.substr(std::min(rest, x.size())), y.substr(std::min(rest, y.size())));
  });
  std::vector<std::string> sorted;
  sorted.reserve(names.size());
  for (const auto& item : items) sorted.push_back(std::move(names[item.index]));
  return sorted;
}

std::string allow_hint() {
  return std::string(" (allow with --allow-insecure-plugins or ") + kAllowInsecureEnv + "=1)";
}

// One manifest of a plugin directory already resolved and judged: the manifest
// resolved and judged in turn, then its parse, from the cache when the file is
// unchanged. What is parsed is judged by the stat of the open file. Without a
// cache a plain manifest costs one open, fstat and read (no lstat first).
// Problems go to `errors`; nullopt then.
class ManifestLoader {
 public:
  ManifestLoader(const DiscoveryOptions& options, internal::DiscoveryCache& cache,
                 std::vector<Error>& errors)
      : fs_(options.file_system ? *options.file_system : real_file_system()),
        check_trust_(options.check_trust), euid_(::geteuid()), cache_(cache), errors_(errors) {}

  /// A handle on the directory load() reads next, from FileSystem::open_directory() (-1: none).
  void set_directory(int handle) { dir_handle_ = handle; }

  // `dir` is the resolved plugin directory; `path` names the manifest as found
  // on the search path (messages, manifest.path) and may be moved from.
  std::optional<ParsedManifest> load(const std::string& dir, const std::string& name, PathText& path) {
    std::string file;  // what is read: dir/name, or where its symlink leads
    if (cache_.enabled()) {  // the cache needs the stat first, for its key
      auto resolved = resolve(path, dir, name);
      if (!resolved) return std::nullopt;
      if (auto hit = cache_.lookup(name, internal::FileKey::of(resolved->st), path)) return hit;
      file = resolved->path.empty() ? dir + "/" + name : std::move(resolved->path);
    } else {
      file = dir + "/" + name;
    }
    struct stat st {};
    int error = fs_.read_file(file, kMaxManifestBytes, text_, st);
    if (error == ELOOP && !cache_.enabled()) {  // a symlink (read_file does not follow it)
      auto resolved = resolve(path, dir, name);
      if (!resolved) return std::nullopt;
      if (!resolved->path.empty()) file = std::move(resolved->path);
      error = fs_.read_file(file, kMaxManifestBytes, text_, st);
    }
    if (error == EFBIG) return refuse(manifest_too_large(path));
    if (error != 0) return unreadable(std::strerror(error), path);
    // Judge what was read (the open file), not only what was looked at.
    if (!S_ISREG(st.st_mode)) return unreadable("not a regular file", path);
    if (check_trust_) {
      if (auto problem = untrusted_file_reason(st, file, euid_)) return insecure(*problem, path);
    }
    auto parsed = parse_manifest(path.path(), text_);
    if (!parsed) return refuse(std::move(parsed.error()));
    cache_.store(name, internal::FileKey::of(st), *parsed);  // the key of what was read
    return std::move(*parsed);
  }

 private:
  // A manifest in the judged directory needs only its own checks; a symlinked
  // one is resolved and judged along its whole target. With set_directory()'s
  // handle on `dir`, the lstat walks only `name`. The result's path is empty for
  // a plain file (it is dir/name): most manifests need no path string built.
  std::optional<ResolvedPath> resolve(const PathText& path, const std::string& dir,
                                      const std::string& name) {
    ResolvedPath file;
    if (int e = fs_.lstat_in(dir_handle_, dir, name, file.st)) return unreadable(std::strerror(e), path);
    if (S_ISLNK(file.st.st_mode)) {
      auto resolved = resolve_trusted(fs_, dir + "/" + name, Target::kFile, check_trust_);
      if (!resolved) {
        if (resolved.error().code == ErrorCode::kInsecure) return insecure(resolved.error().message, path);
        return unreadable(resolved.error().message, path);
      }
      return std::move(*resolved);
    }
    if (!S_ISREG(file.st.st_mode)) return unreadable("not a regular file", path);
    if (check_trust_ && !trusted_file_stat(file.st, euid_)) {
      if (auto problem = untrusted_file_reason(file.st, dir + "/" + name, euid_)) {
        return insecure(*problem, path);
      }
    }
    return file;
  }
  std::nullopt_t insecure(const std::string& problem, const PathText& path) {
    return refuse(make_error(ErrorCode::kInsecure, problem + "; skipping it" + allow_hint())
                      .in_file(path.string()));
  }
  std::nullopt_t unreadable(const std::string& why, const PathText& path) {
    return refuse(make_error(ErrorCode::kManifestUnreadable, why).in_file(path.string()));
  }
  std::nullopt_t refuse(Error error) {
    errors_.push_back(std::move(error));
    return std::nullopt;
  }

  const FileSystem& fs_;
  const bool check_trust_;
  const uid_t euid_;  // asked once: one system call per manifest was 1 % of discovery
  internal::DiscoveryCache& cache_;
  std::vector<Error>& errors_;
  internal::PaddedText text_;
  int dir_handle_ = -1;
};

// Registers one parsed manifest, or says why not.
bool register_parsed(PluginRegistry& registry, ParsedManifest& parsed, PathOrigin origin,
                     DiscoveryReport& report) {
  for (auto& skipped : parsed.skipped_entries) report.errors.push_back(std::move(skipped));
  Manifest& manifest = parsed.manifest;
  if (auto problem = abi_version_problem(manifest.abi_major, manifest.abi_minor)) {
    report.errors.push_back(make_error(ErrorCode::kAbiMismatch, "manifest declares " + *problem)
                                .in_package(manifest.package)
                                .in_file(manifest.path.string()));
    return false;
  }
  if (auto registered = registry.register_lazy(std::move(manifest), origin)) {
    report.errors.push_back(std::move(*registered));
    return false;
  }
  return true;
}

// The resolved directory and its manifest names; empty names when there is
// nothing to do. An insecure directory's manifests are each reported.
std::pair<std::string, std::vector<std::string>> list_plugin_dir(
    const FileSystem& fs, const std::filesystem::path& dir, bool check_trust,
    DiscoveryReport& report) {
  auto resolved = resolve_trusted(fs, dir, Target::kDirectory, check_trust);
  std::optional<Error> refused;
  if (!resolved && resolved.error().code == ErrorCode::kInsecure) {
    refused = resolved.error();
    resolved = resolve_trusted(fs, dir, Target::kDirectory, false);  // to list what is refused
  }
  if (!resolved) return {};  // missing or unreadable directories are normal
  std::vector<std::string> listed;
  if (fs.list_directory(resolved->path, listed) != 0) return {};
  auto names = manifest_names(std::move(listed));
  if (refused && !names.empty()) {
    for (const auto& name : names) {
      report.errors.push_back(
          make_error(ErrorCode::kInsecure,
                     refused->message + "; skipping its plugins" + allow_hint())
              .in_file((dir / name).string()));
    }
    report.manifests += names.size();
    return {};
  }
  return {resolved->path, std::move(names)};
}

}  // namespace

DiscoveryReport discover_into(PluginRegistry& registry, const std::vector<SearchDir>& search_path,
                              const DiscoveryOptions& options) {
  DiscoveryReport report;
  const FileSystem& fs = options.file_system ? *options.file_system : real_file_system();
  internal::DiscoveryCache cache(options.cache_file);
  ManifestLoader loader(options, cache, report.errors);
  for (const auto& [dir, origin] : search_path) {
    auto [resolved, names] = list_plugin_dir(fs, dir, options.check_trust, report);
    if (names.empty()) continue;
    std::string prefix = dir.native();  // dir / name, as the one string a path is built from
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    cache.begin_directory(dir);
    int handle = fs.open_directory(resolved);  // -1 (paths are used) if it cannot
    loader.set_directory(handle);
    for (const auto& name : names) {
      ++report.manifests;
      PathText path(prefix + name);  // no std::filesystem::path: it would split itself
      auto parsed = loader.load(resolved, name, path);
      if (parsed && register_parsed(registry, *parsed, origin, report)) ++report.packages;
    }
    loader.set_directory(-1);
    fs.close_directory(handle);
    cache.end_directory();
  }
  cache.save();
  report.notes = registry.conflicts();
  return report;
}

}  // namespace aiperf::plugin
