// Sweeps: one profile per load value into ARTIFACT_DIR/<value>/, summarised in
// sweep_summary.json/.csv, with Pareto-optimal points marked for the report.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "report/svg.h"

namespace aiperf::report {

/// The load values of "1,2,4" (a list), "2:10:2" (start:end:step) or "1:64:x2" (geometric).
Expected<std::vector<double>> parse_sweep_values(std::string_view text);

/// A value as a directory name and flag value ("4", "2.5").
std::string sweep_value_text(double value);

/// A stop condition "TAG:STAT>LIMIT" or "TAG:STAT<LIMIT" on a run's aggregate JSON.
struct StopCondition {
  std::string tag, stat;
  bool greater = true;
  double limit = 0;
  std::string text;
};

/// Parses --sweep-stop-on; kInvalidArgument when malformed.
Expected<StopCondition> parse_stop_condition(std::string_view text);

/// True when the run's aggregate meets the condition (a missing metric does not).
bool stop_condition_met(const StopCondition& condition, const nlohmann::json& aggregate);

/// One row of sweep_summary: the headline metrics of the run at `value`.
nlohmann::json sweep_row(const std::string& parameter, double value, const nlohmann::json& aggregate);

/// Writes sweep_summary.json ({parameter, values, runs: [rows], stopped_early}) and sweep_summary.csv into `dir`.
std::optional<Error> write_sweep_summary(const std::filesystem::path& dir, const nlohmann::json& summary);

/// Indices of the Pareto-optimal points: no other point is at least as good on both axes and better on one.
std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& points, bool maximise_x,
                                      bool maximise_y);

/// The Pareto charts of a sweep summary: output tokens/s per user against total output tokens/s,
/// and TTFT p99 against request throughput; optimal points marked and joined.
std::vector<ChartSpec> pareto_charts(const nlohmann::json& summary);

}  // namespace aiperf::report
