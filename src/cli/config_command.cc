#include "cli/config_command.h"

#include <fmt/format.h>

#include "config/config_file.h"
#include "config/option_table.h"

namespace aiperf::cli {
namespace {

// Checks syntax, keys, types and values, then that every named implementation exists.
int validate(run::GlobalOptions global, const std::string& path) {
  config::ProfileOptions o;
  auto problems = config::apply_config_file(path, o);
  if (problems.empty()) {
    problems = o.validate(/*complete=*/false);  // the model and run length may come from flags
  }
  if (problems.empty()) {
    global.config_paths.assign(o.plugin_paths.begin(), o.plugin_paths.end());
    auto setup = run::discover_plugins(global);
    run::print_discovery_report(setup);
    auto check = [&](std::string_view protocol, const std::string& name) {
      if (name.empty() || setup.registry->is_registered(protocol, name)) return;
      problems.push_back(setup.registry->get_implementation(protocol, name).error());
    };
    check("endpoint", o.endpoint_type);
    check("dataset_sampler", o.sampler);
    check("timing_strategy", o.timing_strategy);
    for (const auto& hook : o.phase_hooks) check("phase_hook", hook.name);
  }
  for (const auto& p : problems) fmt::print(stderr, "error: {}\n", p.describe());
  if (!problems.empty()) return 2;
  fmt::print("{}: valid\n", path);
  return 0;
}

}  // namespace

void add_config_command(CLI::App& app, run::GlobalOptions& options, int& exit_code) {
  auto* config = app.add_subcommand("config", "Work with benchmark.yaml files");
  config->require_subcommand(1);
  auto* validate_cmd = config->add_subcommand("validate", "Check a config file without running it");
  auto path = std::make_shared<std::string>();
  validate_cmd->add_option("file", *path, "The YAML file")->required();
  validate_cmd->callback([&, path] { exit_code = validate(options, *path); });
  config->add_subcommand("reference", "Print the options reference (Markdown) generated from the option table")
      ->callback([&] {
        fmt::print("{}", config::options_reference_markdown());
        exit_code = 0;
      });
}

}  // namespace aiperf::cli
