#include "cli/compare_command.h"

#include <fmt/format.h>

#include <memory>

#include "report/compare.h"

namespace aiperf::cli {
namespace {

struct CompareFlags {
  std::vector<std::string> dirs;
  std::vector<std::string> gates;
  report::CompareOptions options;
};

int run_compare(const CompareFlags& f) {
  std::vector<report::Gate> gates;
  for (const auto& text : f.gates) {
    auto gate = report::parse_gate(text);
    if (!gate) {
      fmt::print(stderr, "error: {}\n", gate.error().describe());
      return 2;
    }
    gates.push_back(std::move(*gate));
  }
  std::vector<report::RunData> runs;
  for (const auto& dir : f.dirs) {
    auto run = report::load_run(dir);
    if (!run) {
      fmt::print(stderr, "error: {}\n", run.error().describe());
      return 2;
    }
    runs.push_back(std::move(*run));
  }
  int code = 0;
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const auto diffs = report::compare_runs(runs[0], runs[i], f.options);
    fmt::print("{}\n", report::compare_table(diffs, runs[0].dir.string(), runs[i].dir.string(), f.options.level));
    for (const auto& gate : gates) {
      if (auto failure = check_gate(gate, diffs)) {
        fmt::print(stderr, "regression: {} ({})\n", *failure, runs[i].dir.string());
        code = 1;
      }
    }
  }
  return code;
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<CompareFlags>();
  auto* cmd = app.add_subcommand("compare", "Compare runs with the first: differences and their significance");
  cmd->add_option("RUN", f->dirs, "Artifact directories: the baseline first, then the runs to compare with it")
      ->required()
      ->expected(2, 1 << 20);
  cmd->add_option("--fail-if", f->gates,
                  "Exit 1 when a change exceeds a limit: TAG:STAT:+10% or TAG:STAT:+5 (STAT avg, p50, p90, p99, "
                  "or value for single-value metrics; a negative limit gates decreases); repeatable");
  cmd->add_option("--confidence-level", f->options.level, "Level of the bootstrap interval of each difference")
      ->check(CLI::Range(0.5, 0.999))
      ->default_str("0.95");
  cmd->add_option("--bootstrap-resamples", f->options.resamples, "Resamples per metric")
      ->check(CLI::Range(100, 100000))
      ->default_str("1000");
  cmd->add_option("--random-seed", f->options.seed, "Seed of the bootstrap (same seed, same intervals)");
  cmd->callback([f, &exit_code] { exit_code = run_compare(*f); });
}

}  // namespace aiperf::cli
