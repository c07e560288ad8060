#include "cli/plugins_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "hooks/phase_hook_registry.h"
#include "plugin/child_check.h"
#include "plugin/trust.h"

namespace aiperf::cli {
namespace {

using plugin::ImplementationInfo;
using aiperf::Error;
using plugin::Source;

std::string source_name(Source source) { return source == Source::kBuiltin ? "builtin" : "plugin"; }

// Prints rows as left-aligned columns separated by two spaces.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], width[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::print("{}\n", line);
  }
}

// Overrides and other conflicts, which every command reports.
void print_notes(const run::PluginSetup& setup) {
  for (const auto& line : setup.report.notes) fmt::print(stderr, "note: {}\n", line);
}

void print_errors(const std::vector<Error>& errors) {
  for (const auto& e : errors) fmt::print(stderr, "warning: {}\n", e.describe());
}

nlohmann::json to_json(const ImplementationInfo& i) {
  nlohmann::json j = {{"protocol", i.ref.protocol},
                      {"name", i.ref.name},
                      {"source", source_name(i.source)},
                      {"package", nullptr},
                      {"version", nullptr},
                      {"manifest", nullptr},
                      {"priority", i.priority},
                      {"loaded", i.loaded},
                      {"shadowed_by", nullptr}};
  if (i.package) {
    j["package"] = i.package->manifest.package;
    j["version"] = i.package->manifest.version;
    j["manifest"] = i.package->manifest.path.string();
  }
  if (i.shadowed_by) j["shadowed_by"] = *i.shadowed_by;
  return j;
}

int list(const run::GlobalOptions& options, const std::string& protocol, bool as_json) {
  auto setup = run::discover_plugins(options);
  std::string wanted = plugin::normalize_name(protocol);
  if (!wanted.empty() && !plugin::is_known_protocol(wanted)) {
    fmt::print(stderr, "error: unknown protocol '{}'; protocols: {}\n", protocol,
               fmt::join(plugin::kProtocols, ", "));
    return 2;
  }
  std::vector<ImplementationInfo> shown;
  for (auto& info : setup.registry->implementations()) {
    if (wanted.empty() || info.ref.protocol == wanted) shown.push_back(std::move(info));
  }
  if (as_json) {
    nlohmann::json out = {{"plugins", nlohmann::json::array()}, {"errors", nlohmann::json::array()}};
    for (const auto& info : shown) out["plugins"].push_back(to_json(info));
    for (const auto& e : setup.report.errors) {
      out["errors"].push_back({{"manifest", e.file},
                               {"reason", error_code_name(e.code)},
                               {"message", e.describe()}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"PROTOCOL", "NAME", "SOURCE", "PACKAGE", "VERSION",
                                                 "PRIORITY", "LOADED", "SHADOWED BY", "MANIFEST"}};
  for (const auto& i : shown) {
    bool plugin = i.package != nullptr;
    rows.push_back({i.ref.protocol, i.ref.name, source_name(i.source),
                    plugin ? i.package->manifest.package : "-",
                    plugin ? i.package->manifest.version : "-", std::to_string(i.priority),
                    plugin ? (i.loaded ? "yes" : "no") : "-", i.shadowed_by.value_or("-"),
                    plugin ? i.package->manifest.path.string() : "-"});
  }
  print_table(rows);
  for (const auto& line : setup.report.notes) fmt::print(stderr, "note: {}\n", line);
  print_errors(setup.report.errors);
  return 0;
}

int show(const run::GlobalOptions& options, const std::string& target) {
  auto setup = run::discover_plugins(options);
  print_notes(setup);
  auto ref = plugin::parse_ref(target);
  auto candidates = setup.registry->candidates(ref);
  if (candidates.empty()) {
    auto missing = setup.registry->get_implementation(ref.protocol, ref.name);
    fmt::print(stderr, "error: {}\n", missing.error().describe());
    return 2;
  }
  for (const auto& i : candidates) {
    fmt::print("{}{}\n", i.ref.str(), i.shadowed_by ? "  [shadowed by " + *i.shadowed_by + "]" : "");
    fmt::print("  source:      {}\n", describe_source(i));
    if (!i.description.empty()) fmt::print("  description: {}\n", i.description);
    fmt::print("  priority:    {}\n", i.priority);
    if (i.package) {
      const auto& m = i.package->manifest;
      fmt::print("  package:     {} {}\n", m.package, m.version);
      fmt::print("  manifest:    {}\n", m.path.string());
      fmt::print("  library:     {}\n", m.library.string());
      fmt::print("  symbol:      {}\n", i.symbol);
      fmt::print("  plugin API:  {}.{}\n", m.abi_major, m.abi_minor);
      fmt::print("  found via:   {}\n", plugin::origin_name(i.package->origin));
      fmt::print("  loaded:      {}\n", i.loaded ? "yes" : "no");
    }
    if (!i.metadata.is_null() && !i.metadata.empty()) {
      fmt::print("  metadata:    {}\n", i.metadata.dump());
    }
  }
  return 0;
}

int paths(const run::GlobalOptions& options) {
  std::vector<std::vector<std::string>> rows = {{"ORIGIN", "STATUS", "DIRECTORY"}};
  for (const auto& [dir, origin] : run::search_path_for(options)) {
    std::error_code ec;
    std::string status = "ok";
    if (!std::filesystem::is_directory(dir, ec)) {
      status = "missing";
    } else if (auto problem = plugin::untrusted_directory_reason(dir)) {
      status = "insecure";
    }
    rows.push_back({std::string(plugin::origin_name(origin)), status, dir.string()});
  }
  print_table(rows);
  return 0;
}

// In the checking child: builds the implementation from `config` and, for a phase
// hook, runs its callbacks once on a synthetic phase named "check".
plugin::ChildProbe exercise(const plugin::PluginRegistry& registry, plugin::ImplementationRef ref,
                            nlohmann::json config) {
  return [&registry, ref, config]() -> std::optional<Error> {
    auto created = [&]<class P>() -> std::optional<Error> {
      auto instance = registry.create_instance<P>(ref.name, config);
      if (!instance) return instance.error();
      if constexpr (std::is_same_v<P, PhaseHook>) {
        hooks::PhaseHookRegistry hooks;
        (*instance)->register_with(hooks);
        PhaseStats stats;
        stats.phase = "check";
        auto failures = hooks.fire_phase_start(stats);
        auto more = hooks.fire_phase_complete(stats);
        failures.insert(failures.end(), more.begin(), more.end());
        if (!failures.empty()) {
          return make_error(ErrorCode::kFactoryFailed,
                            "callback of " + failures[0].owner + " threw: " + failures[0].message)
              .about(ref.str());
        }
      }
      return std::nullopt;
    };
    std::optional<Error> result;
    bool known = Protocols::visit(ref.protocol, [&]<class P>() { result = created.template operator()<P>(); });
    if (!known) return make_error(ErrorCode::kUnknownProtocol, "unknown protocol '" + ref.protocol + "'").about(ref.str());
    return result;
  };
}

int check(const run::GlobalOptions& options, const std::string& target, int timeout_ms,
          const std::string& config_text) {
  std::fflush(stdout);  // the child must not inherit unflushed output
  auto setup = run::discover_plugins(options);
  print_notes(setup);
  nlohmann::json config;
  if (!config_text.empty()) {
    config = nlohmann::json::parse(config_text, nullptr, false);
    if (config.is_discarded() || !config.is_object()) {
      fmt::print(stderr, "error: --config must be a JSON object, got: {}\n", config_text);
      return 2;
    }
    if (target.empty()) {
      fmt::print(stderr, "error: --config needs one PROTOCOL:NAME to check\n");
      return 2;
    }
  }
  std::vector<plugin::ImplementationRef> refs;
  if (!target.empty()) {
    refs.push_back(plugin::parse_ref(target));
  } else {
    for (const auto& i : setup.registry->implementations()) {
      if (i.source == Source::kPlugin && !i.shadowed_by) refs.push_back(i.ref);
    }
  }
  int failed = 0;
  if (target.empty()) {
    for (const auto& e : setup.report.errors) {
      fmt::print("FAIL  {}\n", e.describe());
      ++failed;
    }
  }
  for (const auto& ref : refs) {
    plugin::ChildProbe probe;
    if (!config_text.empty()) probe = exercise(*setup.registry, ref, config);
    auto error = plugin::check_in_child(*setup.registry, ref,
                                        std::chrono::milliseconds(timeout_ms), probe);
    if (error) {
      fmt::print("FAIL  {}\n", error->describe());
      ++failed;
    } else {
      auto top = setup.registry->candidates(ref).front();
      fmt::print("ok    {} ({}){}\n", ref.str(), describe_source(top),
                 probe ? ", created and exercised with the given config" : "");
    }
    std::fflush(stdout);
  }
  fmt::print("{} checked, {} failed\n", refs.size() + (target.empty() ? setup.report.errors.size() : 0),
             failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_plugins_command(CLI::App& app, run::GlobalOptions& options, int& exit_code) {
  auto* plugins = app.add_subcommand("plugins", "List, inspect and check plugins");
  plugins->require_subcommand(1);

  auto* list_cmd = plugins->add_subcommand(
      "list", "List implementations of every protocol (loads nothing)");
  auto protocol = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  list_cmd->add_option("protocol", *protocol, "Only this protocol");
  list_cmd->add_flag("--json", *as_json, "Machine-readable output");
  list_cmd->callback([&, protocol, as_json] { exit_code = list(options, *protocol, *as_json); });

  auto* show_cmd = plugins->add_subcommand(
      "show", "Show one implementation and anything it shadows (loads nothing)");
  auto show_target = std::make_shared<std::string>();
  show_cmd->add_option("implementation", *show_target, "PROTOCOL:NAME (bare NAME = phase_hook)")
      ->required();
  show_cmd->callback([&, show_target] { exit_code = show(options, *show_target); });

  auto* paths_cmd = plugins->add_subcommand("paths", "Show the plugin search path, in order");
  paths_cmd->callback([&] { exit_code = paths(options); });

  auto* check_cmd = plugins->add_subcommand(
      "check", "Load plugins in a child process and report any that fail");
  auto check_target = std::make_shared<std::string>();
  auto timeout_ms = std::make_shared<int>(10000);
  auto config = std::make_shared<std::string>();
  check_cmd->add_option("implementation", *check_target, "PROTOCOL:NAME; default: every plugin");
  check_cmd->add_option("--timeout-ms", *timeout_ms, "Time one load may take")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  check_cmd->add_option("--config", *config,
                        "JSON object: also create the implementation with it and, for a phase "
                        "hook, run its callbacks once");
  check_cmd->callback([&, check_target, timeout_ms, config] {
    exit_code = check(options, *check_target, *timeout_ms, *config);
  });
}

}  // namespace aiperf::cli
