#include "plugin/search_path.h"

#include <cstdlib>
#include <set>
#include <system_error>

#ifndef AIPERF_PLUGIN_INSTALL_DIR
#define AIPERF_PLUGIN_INSTALL_DIR "lib/aiperf/plugins"
#endif

namespace aiperf::plugin {

std::string_view origin_name(PathOrigin origin) {
  switch (origin) {
    case PathOrigin::kCommandLine: return "command line";
    case PathOrigin::kEnvironment: return kPluginPathEnv;
    case PathOrigin::kConfig: return "config";
    case PathOrigin::kUser: return "user";
    case PathOrigin::kInstallPrefix: return "install prefix";
  }
  return "unknown";
}

SearchPathSources default_sources() {
  SearchPathSources sources;
  if (const char* env = std::getenv(kPluginPathEnv)) sources.environment = env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    sources.user_dir = std::filesystem::path(xdg) / "aiperf" / "plugins";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    sources.user_dir = std::filesystem::path(home) / ".local" / "share" / "aiperf" / "plugins";
  }
  // bin/aiperf -> <prefix>/lib/aiperf/plugins; the build tree has the same shape.
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) sources.prefix_dir = exe.parent_path().parent_path() / AIPERF_PLUGIN_INSTALL_DIR;
  return sources;
}

std::vector<SearchDir> build_search_path(const SearchPathSources& sources) {
  std::vector<SearchDir> out;
  std::set<std::filesystem::path> seen;
  auto add = [&](const std::filesystem::path& dir, PathOrigin origin) {
    if (dir.empty()) return;
    std::error_code ec;
    auto key = std::filesystem::weakly_canonical(dir, ec);
    if (ec) key = dir.lexically_normal();
    if (!key.has_filename() && key.has_relative_path()) key = key.parent_path();  // "/a/" is "/a"
    if (seen.insert(key).second) out.push_back({dir, origin});
  };
  for (const auto& dir : sources.command_line) add(dir, PathOrigin::kCommandLine);
  std::string_view env = sources.environment;
  while (!env.empty()) {
    auto colon = env.find(':');
    add(std::filesystem::path(env.substr(0, colon)), PathOrigin::kEnvironment);
    env = colon == std::string_view::npos ? std::string_view() : env.substr(colon + 1);
  }
  for (const auto& dir : sources.config) add(dir, PathOrigin::kConfig);
  if (sources.user_dir) add(*sources.user_dir, PathOrigin::kUser);
  if (sources.prefix_dir) add(*sources.prefix_dir, PathOrigin::kInstallPrefix);
  return out;
}

}  // namespace aiperf::plugin
