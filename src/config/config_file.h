// benchmark.yaml: every `aiperf profile` option as a config key (from the
// option table), plus the seed design's `plugins:` section. Values may use
// ${VAR} and ${VAR:-default}. Every error carries file:line:column; unknown
// keys get a "did you mean".
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "config/profile_options.h"

namespace aiperf::config {

/// Config files larger than this are refused (a benchmark.yaml is a few KiB).
inline constexpr std::size_t kMaxConfigFileBytes = 4u << 20;

/// Looks up an environment variable (injectable for tests).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment.
std::optional<std::string> process_env(const std::string& name);

/// When neither a flag nor the config file gave an API key: AIPERF_API_KEY, else
/// OPENAI_API_KEY (so the key need not appear on a command line, where `ps` shows it).
void apply_api_key_from_environment(ProfileOptions& options, const EnvLookup& env = process_env);

/// Applies the YAML file at `path` onto `options` (plugin directories onto
/// `options.plugin_paths`, relative to the file). Returns every error found, in
/// file order, each with file, line and column; empty on success.
std::vector<Error> apply_config_file(const std::filesystem::path& path, ProfileOptions& options,
                                     const EnvLookup& env = process_env);

}  // namespace aiperf::config
