// benchmark.yaml: every `aiperf profile` option as a config key, plus the
// seed design's `plugins:` section. Values may use ${VAR} and ${VAR:-default}.
// Every error carries file:line:column; unknown keys get a "did you mean".
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/profile_options.h"

namespace aiperf::config {

/// Looks up an environment variable (injectable for tests).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment.
std::optional<std::string> process_env(const std::string& name);

/// Applies the YAML file at `path` onto `options` (plugin directories onto
/// `options.plugin_paths`, relative to the file). Returns every error found, each
/// "FILE:LINE:COLUMN: message"; empty on success.
std::vector<std::string> apply_config_file(const std::filesystem::path& path, ProfileOptions& options,
                                           const EnvLookup& env = process_env);

/// Replaces secrets (keys like api_key, token, password, secret, authorization) with "<redacted>".
nlohmann::json redact_secrets(nlohmann::json value);

}  // namespace aiperf::config
