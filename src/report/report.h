// `aiperf plot`: one self-contained HTML report of one or more runs. Charts are
// inline SVG from report/svg.h, runs overlaid in the Okabe-Ito palette; no
// script, font or URL outside the file (a Content-Security-Policy forbids them).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "report/run_data.h"
#include "report/svg.h"

namespace aiperf::report {

/// The x axis of every chart over time, client and server alike: seconds since the profiling
/// phase start (RunData's origin), on one clock.
inline constexpr const char* kTimeAxis = "time since profiling start (s)";
/// The same axis for charts of requests by their send time.
inline constexpr const char* kSendTimeAxis = "send time since profiling start (s)";

/// A chart of the report with a stable file-name-safe id ("ttft_cdf").
struct NamedChart {
  std::string id;
  std::string section;  ///< Heading it appears under.
  ChartSpec spec;
};

/// Every chart of the report for `runs` (each run one colour), in page order.
std::vector<NamedChart> report_charts(const std::vector<RunData>& runs);

/// The whole HTML page: charts, the Pareto charts of each sweep summary in `sweeps`,
/// summary table, effective config of each run.
std::string render_html(const std::vector<RunData>& runs, const std::vector<nlohmann::json>& sweeps = {});

/// Reads every run in `dirs` (a sweep directory, with sweep_summary.json, stands for its runs) and writes the report to `html` (atomically) and, when `png_dir`
/// is not empty, each chart as `png_dir/<id>.png`; the first Error, naming its file.
std::optional<Error> write_report(const std::vector<std::filesystem::path>& dirs, const std::filesystem::path& html,
                                  const std::filesystem::path& png_dir = {});

}  // namespace aiperf::report
