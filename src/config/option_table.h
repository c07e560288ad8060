// The one table of `aiperf profile` options. Each entry names a ProfileOptions
// field and gives its flag, YAML key (also its path in the exported
// input_config), group, help, type and whether it is a secret. From this table
// come the CLI flags, the benchmark.yaml keys, `config validate`, the redacted
// input_config and the options reference in docs/configuration.md.
//
// Adding an option: one field in ProfileOptions, one entry in option_table.cc,
// and the code that uses the value.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "config/profile_options.h"

namespace aiperf::config {

/// How one option reads and writes its ProfileOptions field (built by bind() in option_table.cc).
struct OptionBinding {
  std::string_view type;    ///< For people: "integer", "number", "string", "bool", "list of …".
  bool takes_value = true;  ///< False for a bool switch (--streaming).
  bool repeatable = false;  ///< Each use of the flag adds one element.
  /// Sets (or, when repeatable, appends) the field from one flag value.
  std::function<Expected<void>(ProfileOptions&, std::string_view)> from_text;
  /// Sets the field from a config-file value (already converted to JSON).
  std::function<Expected<void>(ProfileOptions&, const nlohmann::json&)> from_json;
  /// The field as JSON for input_config (null when unset).
  std::function<nlohmann::json(const ProfileOptions&)> to_json;
};

/// One option.
struct OptionSpec {
  std::string_view flags;      ///< CLI11 names, e.g. "-m,--model".
  std::string_view key;        ///< "section.key" in benchmark.yaml and input_config.
  std::string_view group;      ///< Help group: Endpoint, Load, Phases, Input, Output.
  std::string_view help;       ///< One line for --help and the reference.
  OptionBinding binding;
  bool secret = false;         ///< Redacted in input_config, never echoed in errors.
  bool relative_path = false;  ///< In a config file, relative to the file's directory.
  bool plugin_section = false; ///< In a config file, read by the `plugins:` section reader.

  /// The long flag, e.g. "--model".
  std::string_view long_flag() const;
};

/// Every option, in help order.
std::span<const OptionSpec> option_table();

/// The option whose YAML key is `key`, or null.
const OptionSpec* find_option_by_key(std::string_view key);

/// The effective options as input_config: every option at its key path, secrets
/// redacted, secret-looking keys inside plugin configs redacted.
nlohmann::json to_input_config(const ProfileOptions& options);

/// Every secret value the options hold (API key, credential header values, values of
/// secret-looking keys in plugin configs), to scrub from whatever is written or printed.
std::vector<std::string> secret_values(const ProfileOptions& options);

/// The options reference of docs/configuration.md: a Markdown table generated from the table.
std::string options_reference_markdown();

/// Replaces values of secret-looking keys (api_key, token, password, secret,
/// authorization) inside an opaque plugin config with "<redacted>".
nlohmann::json redact_secret_keys(nlohmann::json value);

}  // namespace aiperf::config
