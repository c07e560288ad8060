#include "cli/plot_command.h"

#include <fmt/format.h>

#include <memory>

#include "report/report.h"

namespace aiperf::cli {
namespace {

struct PlotOptions {
  std::vector<std::string> dirs;
  std::string output;
  std::string png_dir;
};

int run_plot(const PlotOptions& o) {
  std::vector<std::filesystem::path> dirs(o.dirs.begin(), o.dirs.end());
  const std::filesystem::path html = o.output.empty() ? dirs.front() / "report.html" : std::filesystem::path(o.output);
  if (auto e = report::write_report(dirs, html, o.png_dir)) {
    fmt::print(stderr, "error: {}\n", e->describe());
    return e->code == ErrorCode::kIo && e->file == html.string() ? 1 : 2;
  }
  fmt::print("Report: {}\n", html.string());
  if (!o.png_dir.empty()) fmt::print("Charts: {}/\n", o.png_dir);
  return 0;
}

}  // namespace

void add_plot_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PlotOptions>();
  auto* cmd = app.add_subcommand("plot", "Write a self-contained HTML report of one or more runs (overlaid)");
  cmd->add_option("ARTIFACT_DIR", options->dirs, "Artifact directories of aiperf profile runs")->required();
  cmd->add_option("-o,--output", options->output, "The HTML file (default: ARTIFACT_DIR/report.html of the first)");
  cmd->add_option("--png", options->png_dir, "Also write every chart as DIR/<chart>.png (librsvg)");
  cmd->callback([options, &exit_code] { exit_code = run_plot(*options); });
}

}  // namespace aiperf::cli
