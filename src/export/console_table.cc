#include "export/console_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace aiperf::exporting {

std::string percentile_warning(const std::vector<metrics::MetricResult>& results) {
  // The table shows p50/p90/p99; name the highest that too few values bound.
  std::size_t fewest = 0;
  for (const auto& result : results) {
    if (result.stats && result.stats->count > 0 && (fewest == 0 || std::size_t(result.stats->count) < fewest)) {
      fewest = static_cast<std::size_t>(result.stats->count);
    }
  }
  if (fewest == 0) return "";
  std::string unbounded;
  for (double q : {99.0, 90.0, 50.0}) {
    const auto needed = metrics::min_samples_for_interval(q, metrics::kPercentileConfidence);
    if (fewest < needed) unbounded += fmt::format("{}p{:g} needs {}", unbounded.empty() ? "" : ", ", q, needed);
  }
  if (unbounded.empty()) return "";
  return fmt::format("warning: percentiles rest on as few as {} values; a {:.0f}% confidence interval bounded on "
                     "both sides needs more ({}): such a percentile is close to the min or max, not a "
                     "measurement of the tail (intervals: pNN_ci in the JSON export)\n",
                     fewest, metrics::kPercentileConfidence * 100, unbounded);
}

std::string console_table(const metrics::RunMetrics& run, const std::vector<metrics::MetricResult>& results,
                          const std::string& title) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"Metric", "avg", "min", "max", "p99", "p90", "p50", "std"});
  std::vector<std::pair<std::string, std::string>> singles;
  for (const auto& result : results) {
    const auto& info = metrics::metric_info(result.id);
    // Estimated token counts must not look measured.
    std::string name = fmt::format("{} ({}{})", info.header, info.unit,
                                   run.estimated(result.id) ? ", estimated" : "");
    if (result.stats) {
      const auto& s = *result.stats;
      rows.push_back({name, fmt::format("{:.2f}", s.avg), fmt::format("{:.2f}", s.min),
                      fmt::format("{:.2f}", s.max), fmt::format("{:.2f}", s.p99),
                      fmt::format("{:.2f}", s.p90), fmt::format("{:.2f}", s.p50),
                      fmt::format("{:.2f}", s.std)});
    } else if (result.value) {
      bool count = info.unit == "requests";  // counts are whole numbers
      singles.emplace_back(name, count ? fmt::format("{:.0f}", *result.value)
                                       : fmt::format("{:.2f}", *result.value));
    }
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::size_t total = 0;
  for (auto w : width) total += w + 3;
  std::string out = fmt::format("{:^{}}\n", title, total);
  std::string rule(total, '-');
  out += rule + "\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      out += i == 0 ? fmt::format("{:<{}}   ", rows[r][i], width[i])
                    : fmt::format("{:>{}}   ", rows[r][i], width[i]);
    }
    out.resize(out.find_last_not_of(' ') + 1);
    out += "\n";
    if (r == 0) out += rule + "\n";
  }
  out += rule + "\n";
  std::size_t name_width = 0;
  for (const auto& [name, value] : singles) name_width = std::max(name_width, name.size());
  for (const auto& [name, value] : singles) {
    out += fmt::format("{:<{}}   {:>12}\n", name, name_width, value);
  }
  for (auto kind : metrics::kAllErrorKinds) {
    if (auto n = run.error_count(kind)) {
      out += fmt::format("{:<{}}   {:>12}\n", fmt::format("  {} errors (requests)", metrics::error_kind_name(kind)),
                         name_width, n);
    }
  }
  out += percentile_warning(results);
  if (run.output_tokens_from(metrics::TokenSource::kEstimated) > 0) {
    out += fmt::format("estimated: {} of {} requests had no usage from the server; their output tokens are "
                       "estimated (characters / 4)\n",
                       run.output_tokens_from(metrics::TokenSource::kEstimated), run.request_count());
  }
  return out;
}

}  // namespace aiperf::exporting
