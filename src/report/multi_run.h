// `--num-profile-runs N --confidence-level L` (AIPerf's): the profiling run
// repeated N times, each metric statistic summarised across the runs with a
// Student-t confidence interval of its mean.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

namespace aiperf::report {

/// The p-quantile of Student's t distribution with `df` degrees of freedom (p in (0, 1), df >= 1).
double student_t_quantile(double p, double df);

/// profile_export_aiperf_aggregate.json from the runs' profile_export_aiperf.json documents:
/// {"num_runs", "confidence_level", "metrics": {TAG: {"unit", STAT: {"mean", "std", "min", "max",
/// "ci_low", "ci_high", "cv", "values"}}}} for avg/p50/p90/p99 of every metric all runs have.
nlohmann::json aggregate_runs(const std::vector<nlohmann::json>& runs, double level);

/// A console table of the headline metrics of an aggregate (mean and interval across runs).
std::string aggregate_table(const nlohmann::json& aggregate);

}  // namespace aiperf::report
