#include "cli/profile_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include "config/config_file.h"
#include "config/option_table.h"
#include "distributed/mpi_world.h"
#include "report/run_data.h"
#include "export/atomic_file.h"
#include "report/multi_run.h"
#include "report/report.h"
#include "report/sweep.h"
#include "run/run.h"

namespace aiperf::cli {
namespace {

// The CLI11 option of each table entry, by table index; values are read after parsing.
struct ProfileFlags {
  std::vector<CLI::Option*> options;
  std::string config_file;
  std::string sweep_stop_on;
};

constexpr std::size_t kNoSkip = static_cast<std::size_t>(-1);

// A load flag given a list or range of values: one run per value.
struct SweepPlan {
  std::size_t option_index = kNoSkip;
  std::string parameter;  // "concurrency", "request_rate"
  std::vector<double> values;
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
std::vector<Error> resolve(const ProfileFlags& flags, config::ProfileOptions& o, std::size_t skip = kNoSkip) {
  std::vector<Error> errors;
  if (!flags.config_file.empty()) errors = config::apply_config_file(flags.config_file, o);
  auto table = config::option_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& spec = table[i];
    const CLI::Option* opt = flags.options[i];
    if (opt->count() == 0 || i == skip) continue;
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

// The sweep asked for by --concurrency or --request-rate with a list or range; nullopt for one run.
Expected<std::optional<SweepPlan>> find_sweep(const ProfileFlags& flags) {
  auto table = config::option_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto name = table[i].long_flag();
    if (name != "--concurrency" && name != "--request-rate") continue;
    const CLI::Option* opt = flags.options[i];
    if (opt->count() == 0) continue;
    const std::string& text = opt->results().back();
    if (text.find_first_of(",:") == std::string::npos) continue;
    auto values = report::parse_sweep_values(text);
    if (!values) return fail(std::move(values.error()).about(std::string(name)));
    std::string parameter(name.substr(2));
    std::replace(parameter.begin(), parameter.end(), '-', '_');
    return SweepPlan{i, parameter, std::move(*values)};
  }
  return std::nullopt;
}

// After the run at `value`: its summary row, and whether the stop condition is met.
bool record_sweep_run(const SweepPlan& plan, double value, const std::filesystem::path& dir,
                      const std::optional<report::StopCondition>& stop, nlohmann::json& summary) {
  auto run = report::load_run(dir);
  if (!run) return true;  // no exports: nothing further can be compared
  summary["runs"].push_back(report::sweep_row(plan.parameter, value, run->aggregate));
  if (!stop || !report::stop_condition_met(*stop, run->aggregate)) return false;
  summary["stopped_early"] = {{plan.parameter, value}, {"condition", stop->text}};
  fmt::print(stderr, "sweep: stopped after {} {}: {} is met\n", plan.parameter, report::sweep_value_text(value),
             stop->text);
  return true;
}

// One profile per value into ARTIFACT_DIR/<value>/, then sweep_summary.json/.csv (and the report with --plot).
int run_sweep(const run::GlobalOptions& global, const config::ProfileOptions& base,
              const SweepPlan& plan, const std::optional<report::StopCondition>& stop) {
  const std::filesystem::path root = base.artifact_dir.empty() ? "artifacts/" + base.model + "-sweep" : base.artifact_dir;
  nlohmann::json summary = {{"parameter", plan.parameter}, {"values", plan.values}, {"runs", nlohmann::json::array()},
                            {"stopped_early", nullptr}};
  int code = 0;
  for (double value : plan.values) {
    config::ProfileOptions options = base;
    const auto text = report::sweep_value_text(value);
    if (auto r = config::option_table()[plan.option_index].binding.from_text(options, text); !r) {
      fmt::print(stderr, "error: {}: {}\n", plan.parameter, r.error().describe());
      return 2;
    }
    options.artifact_dir = (root / text).string();
    options.plot = false;
    fmt::print("\n=== sweep: {} {} ===\n", plan.parameter, text);
    const int run_code = run::run_profile(global, std::move(options));
    if (run_code != 0 && code == 0) code = run_code;
    if (run_code == 2 || run_code == 130) return run_code;  // bad input or interrupted: the rest would be too
    if (record_sweep_run(plan, value, root / text, stop, summary)) break;
  }
  if (auto e = report::write_sweep_summary(root, summary)) {
    fmt::print(stderr, "error: {}\n", e->describe());
    return 1;
  }
  fmt::print("\nSweep summary: {}\n", (root / "sweep_summary.csv").string());
  if (base.plot) {
    if (auto e = report::write_report({root}, root / "report.html")) {
      fmt::print(stderr, "error: --plot: {}\n", e->describe());
      return code == 0 ? 1 : code;
    }
    fmt::print("Report: {}\n", (root / "report.html").string());
  }
  return code;
}

// --num-profile-runs N: N runs into ARTIFACT_DIR/profile_runs/run_NNNN/, then
// ARTIFACT_DIR/aggregate/profile_export_aiperf_aggregate.json (AIPerf's layout).
int run_repeated(const run::GlobalOptions& global, const config::ProfileOptions& base) {
  const std::filesystem::path root = base.artifact_dir.empty() ? "artifacts/" + base.model + "-runs" : base.artifact_dir;
  std::vector<nlohmann::json> aggregates;
  std::vector<std::filesystem::path> dirs;
  int code = 0;
  for (uint64_t i = 1; i <= base.num_profile_runs; ++i) {
    config::ProfileOptions options = base;
    options.artifact_dir = (root / "profile_runs" / fmt::format("run_{:04d}", i)).string();
    options.plot = false;
    fmt::print("\n=== profile run {} of {} ===\n", i, base.num_profile_runs);
    const int run_code = run::run_profile(global, options);
    if (run_code != 0 && code == 0) code = run_code;
    if (run_code == 2 || run_code == 130) return run_code;
    if (auto run = report::load_run(options.artifact_dir)) {
      aggregates.push_back(std::move(run->aggregate));
      dirs.emplace_back(options.artifact_dir);
    }
  }
  const auto aggregate = report::aggregate_runs(aggregates, base.confidence_level);
  const auto file = root / "aggregate" / "profile_export_aiperf_aggregate.json";
  try {
    std::filesystem::create_directories(file.parent_path());
    exporting::write_file_atomically(file, aggregate.dump(2) + "\n");
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: writing {} failed: {}\n", file.string(), e.what());
    return 1;
  }
  fmt::print("\n{}Aggregate: {}\n", report::aggregate_table(aggregate), file.string());
  if (base.plot && !dirs.empty()) {
    if (auto e = report::write_report(dirs, root / "report.html")) {
      fmt::print(stderr, "error: --plot: {}\n", e->describe());
      return code == 0 ? 1 : code;
    }
    fmt::print("Report: {}\n", (root / "report.html").string());
  }
  return code;
}

int run_command(const run::GlobalOptions& global, const ProfileFlags& flags) {
  auto sweep = find_sweep(flags);
  std::optional<report::StopCondition> stop;
  std::vector<Error> errors;
  if (!sweep) errors.push_back(sweep.error());
  if (!flags.sweep_stop_on.empty()) {
    auto parsed = report::parse_stop_condition(flags.sweep_stop_on);
    if (parsed) stop = std::move(*parsed);
    if (!parsed) errors.push_back(parsed.error());
  }
  config::ProfileOptions options;
  auto resolved = resolve(flags, options, sweep && *sweep ? (*sweep)->option_index : kNoSkip);
  errors.insert(errors.end(), resolved.begin(), resolved.end());
  config::apply_api_key_from_environment(options);
  if (!errors.empty()) {
    for (const auto& e : errors) fmt::print(stderr, "error: {}\n", e.describe());
    return 2;
  }
  if (sweep && *sweep && options.num_profile_runs > 1) {
    fmt::print(stderr, "error: --num-profile-runs: a sweep runs each value once; give one or the other\n");
    return 2;
  }
  if (distributed::launched_by_mpi() && ((sweep && *sweep) || options.num_profile_runs > 1)) {
    // Each run's ranks meet at its phases; a sweep's stop condition is read from rank 0's exports alone.
    fmt::print(stderr, "error: mpirun: a sweep or --num-profile-runs cannot be split across ranks yet; "
                       "run one profile per mpirun\n");
    return 2;
  }
  if (sweep && *sweep) return run_sweep(global, options, **sweep, stop);
  if (options.num_profile_runs > 1) return run_repeated(global, options);
  return run::run_profile(global, std::move(options));
}

}  // namespace

void add_profile_command(CLI::App& app, run::GlobalOptions& global, int& exit_code,
                         bool with_options) {
  auto* cmd = app.add_subcommand("profile", "Benchmark an inference server");
  auto flags = std::make_shared<ProfileFlags>();
  if (!with_options) return;
  add_table_flags(*cmd, *flags);
  cmd->add_option("--config", flags->config_file, "benchmark.yaml: every option as a config key (flags override it)");
  cmd->add_option("--sweep-stop-on", flags->sweep_stop_on,
                  "Sweeps (--concurrency 1,2,4 or START:END:STEP / START:END:xFACTOR): stop after the first run "
                  "meeting TAG:STAT>LIMIT, e.g. time_to_first_token:p99>500");
  cmd->callback([&global, &exit_code, flags] { exit_code = run_command(global, *flags); });
}

}  // namespace aiperf::cli
