#include "cli/profile_command.h"

#include <fmt/format.h>

#include <map>
#include <memory>

#include "config/config_file.h"
#include "config/option_table.h"
#include "run/run.h"

namespace aiperf::cli {
namespace {

// The CLI11 option of each table entry, by table index; values are read after parsing.
struct ProfileFlags {
  std::vector<CLI::Option*> options;
  std::string config_file;
};

// The table's default of `spec` as help text, or "" when it has none worth showing.
std::string default_text(const config::OptionSpec& spec) {
  auto d = spec.binding.to_json(config::ProfileOptions{});
  if (d.is_null() || (d.is_string() && d.get<std::string>().empty()) || ((d.is_array() || d.is_object()) && d.empty())) {
    return "";
  }
  if (d.is_boolean() && !d.get<bool>()) return "";
  return d.is_string() ? d.get<std::string>() : d.dump();
}

void add_table_flags(CLI::App& cmd, ProfileFlags& flags) {
  std::map<std::string_view, CLI::Option_group*> groups;
  for (const auto& spec : config::option_table()) {
    auto*& group = groups[spec.group];
    if (group == nullptr) group = cmd.add_option_group(std::string(spec.group));
    CLI::Option* opt = nullptr;
    if (!spec.binding.takes_value) {
      const std::string help(spec.help);
      opt = group->add_flag(std::string(spec.flags), help);
    } else {
      opt = group->add_option(std::string(spec.flags), CLI::callback_t{}, std::string(spec.help), false);
      opt->expected(1)->type_name(spec.binding.repeatable ? "TEXT ..." : "TEXT");
      if (spec.binding.repeatable) opt->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
      if (auto d = default_text(spec); !d.empty()) opt->default_str(d);
    }
    flags.options.push_back(opt);
  }
}

// The config file (if any), then every flag given, onto `o`; every problem found.
std::vector<Error> resolve(const ProfileFlags& flags, config::ProfileOptions& o) {
  std::vector<Error> errors;
  if (!flags.config_file.empty()) errors = config::apply_config_file(flags.config_file, o);
  auto table = config::option_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& spec = table[i];
    const CLI::Option* opt = flags.options[i];
    if (opt->count() == 0) continue;
    if (!spec.binding.takes_value) {
      if (auto r = spec.binding.from_text(o, "true"); !r) errors.push_back(r.error());
      continue;
    }
    for (const auto& value : opt->results()) {
      auto r = spec.binding.from_text(o, value);
      if (!r) {
        Error e = r.error();
        e.message = fmt::format("{} {}", spec.long_flag(), e.message);
        if (!spec.secret && e.message.find("got '") == std::string::npos) e.message += ", got '" + value + "'";
        errors.push_back(std::move(e));
      }
    }
  }
  return errors;
}

}  // namespace

void add_profile_command(CLI::App& app, run::GlobalOptions& global, int& exit_code) {
  auto* cmd = app.add_subcommand("profile", "Benchmark an inference server");
  auto flags = std::make_shared<ProfileFlags>();
  add_table_flags(*cmd, *flags);
  cmd->add_option("--config", flags->config_file, "benchmark.yaml: every option as a config key (flags override it)");
  cmd->callback([&global, &exit_code, flags] {
    config::ProfileOptions options;
    auto errors = resolve(*flags, options);
    config::apply_api_key_from_environment(options);
    if (!errors.empty()) {
      for (const auto& e : errors) fmt::print(stderr, "error: {}\n", e.describe());
      exit_code = 2;
      return;
    }
    exit_code = run::run_profile(global, std::move(options));
  });
}

}  // namespace aiperf::cli
