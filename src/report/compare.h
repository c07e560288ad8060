// `aiperf compare RUN_A RUN_B ...`: every metric of each run against the first,
// with absolute and relative differences and a seeded bootstrap confidence
// interval of the difference (means and percentiles) deciding significance;
// `--fail-if` gates turn it into a CI regression check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "report/run_data.h"

namespace aiperf::report {

/// How differences are judged.
struct CompareOptions {
  double level = 0.95;        ///< Confidence level of the bootstrap interval.
  int resamples = 1000;       ///< Bootstrap resamples per metric.
  uint64_t seed = 20261201;   ///< Same seed, same intervals.
};

/// One statistic of one metric, run B against run A.
struct StatDiff {
  std::string tag;    ///< Metric tag ("time_to_first_token").
  std::string stat;   ///< "avg", "p50", "p90", "p99", or "value" for single-value metrics.
  std::string unit;
  double a = 0, b = 0;
  double diff = 0;                  ///< b - a.
  std::optional<double> relative;   ///< (b - a) / |a|, when a != 0.
  std::optional<double> ci_low, ci_high;  ///< Bootstrap interval of b - a (per-request metrics only).
  /// True when the interval excludes 0.
  bool significant() const { return ci_low && ci_high && (*ci_low > 0 || *ci_high < 0); }
};

/// Every statistic of every metric both runs have: per-request metrics (from the JSONL) with
/// bootstrap intervals, then single-value metrics (throughputs, counts) side by side.
std::vector<StatDiff> compare_runs(const RunData& a, const RunData& b, const CompareOptions& options);

/// A regression gate "TAG:STAT:+10%" (relative) or "TAG:STAT:+5" (absolute, metric unit):
/// exceeded when B - A goes past the limit in the limit's direction.
struct Gate {
  std::string tag, stat;
  double limit = 0;       ///< Signed: +0.10 fails on increases above 10 %, -0.10 on decreases.
  bool relative = false;
  std::string text;       ///< As the user wrote it.
};

/// Parses a gate; kInvalidArgument naming --fail-if when malformed.
Expected<Gate> parse_gate(std::string_view text);

/// The reason `gate` fails for `diffs`, or nullopt when it passes; an unknown metric or stat fails.
std::optional<std::string> check_gate(const Gate& gate, const std::vector<StatDiff>& diffs);

/// The comparison as a console table (`b_name` against `a_name`).
std::string compare_table(const std::vector<StatDiff>& diffs, const std::string& a_name, const std::string& b_name,
                          double level);

}  // namespace aiperf::report
