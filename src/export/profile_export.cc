#include "export/profile_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <vector>

#include "base/utf8.h"

namespace aiperf::exporting {
namespace {

using nlohmann::json;
using metrics::MetricId;
using metrics::metric_info;

json summary_json(std::string_view unit, const metrics::Summary& s) {
  json out = {{"unit", unit}, {"avg", s.avg}, {"min", s.min}, {"max", s.max}, {"std", s.std},
              {"p1", s.p1},   {"p5", s.p5},   {"p10", s.p10}, {"p25", s.p25}, {"p50", s.p50},
              {"p75", s.p75}, {"p90", s.p90}, {"p95", s.p95}, {"p99", s.p99}, {"count", s.count}};
  // "p99_ci": [low, high], null on a side too few values bound (see metrics/distribution.h).
  out["ci_level"] = metrics::kPercentileConfidence;
  for (std::size_t i = 0; i < metrics::kSummaryPercentiles.size(); ++i) {
    const auto& interval = s.intervals[i];
    out[fmt::format("p{}_ci", metrics::kSummaryPercentiles[i])] = {
        interval.low ? json(*interval.low) : json(nullptr), interval.high ? json(*interval.high) : json(nullptr)};
  }
  return out;
}

json token_sources(const metrics::RunMetrics& run, bool output) {
  json out = json::object();
  for (auto source : {metrics::TokenSource::kReported, metrics::TokenSource::kClient,
                      metrics::TokenSource::kEstimated}) {
    int64_t n = output ? run.output_tokens_from(source) : run.input_tokens_from(source);
    if (n > 0) out[std::string(metrics::token_source_name(source))] = n;
  }
  return out;
}

std::string error_type(const metrics::RequestError& error) {
  return std::string(metrics::error_kind_name(error.kind));
}

// "Output Sequence Length (tokens)", or "(tokens, estimated)" when estimates went into it.
std::string display_name(const metrics::RunMetrics& run, const metrics::MetricInfo& meta) {
  return fmt::format("{} ({}{})", meta.header, meta.unit, run.estimated(meta.id) ? ", estimated" : "");
}

}  // namespace

void ErrorSummary::add(const metrics::RequestError& error) {
  // Server text: exported JSON must stay valid UTF-8 whatever the server sent.
  ++counts_[{error.http_status.value_or(0), error_type(error), valid_utf8(error.message)}];
}

json ErrorSummary::to_json() const {
  std::vector<std::pair<int64_t, json>> rows;
  for (const auto& [key, count] : counts_) {
    const auto& [code, type, message] = key;
    json details = {{"code", code == 0 ? json(nullptr) : json(code)}, {"type", type},
                    {"message", message}};
    rows.emplace_back(count, json{{"error_details", details}, {"count", count}});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  json out = json::array();
  for (auto& row : rows) out.push_back(std::move(row.second));
  return out;
}

json aggregate_json(const metrics::RunMetrics& run, const ErrorSummary& errors, const RunInfo& info) {
  return aggregate_json(run, run.results(), errors, info);
}

json aggregate_json(const metrics::RunMetrics& run, const std::vector<metrics::MetricResult>& results,
                    const ErrorSummary& errors, const RunInfo& info) {
  json out = json::object();
  for (const auto& result : results) {
    const auto& meta = metric_info(result.id);
    if (result.stats) {
      out[std::string(meta.tag)] = summary_json(meta.unit, *result.stats);
    } else if (result.value) {
      out[std::string(meta.tag)] = {{"unit", meta.unit}, {"avg", *result.value}};
    }
    if (run.estimated(result.id)) out[std::string(meta.tag)]["estimated"] = true;
  }
  json statuses = json::object();
  for (const auto& [status, n] : run.http_status_counts()) statuses[std::to_string(status)] = n;
  out["http_status_counts"] = statuses;
  // Counts are always present, even when zero, so scripts need no special case.
  out["request_count"] = {{"unit", "requests"}, {"avg", run.request_count()}};
  out["error_request_count"] = {{"unit", "requests"}, {"avg", run.error_request_count()}};
  out["total_osl"] = {{"unit", "tokens"}, {"avg", run.total_output_tokens()}};
  out["total_isl"] = {{"unit", "tokens"}, {"avg", run.total_input_tokens()}};
  // Where token counts came from: the server's usage, or the built-in estimate.
  out["token_count_sources"] = {{"output_sequence_length", token_sources(run, true)},
                                {"input_sequence_length", token_sources(run, false)}};
  json by_kind = json::object();
  for (auto kind : metrics::kAllErrorKinds) {
    if (auto n = run.error_count(kind)) by_kind[std::string(metrics::error_kind_name(kind))] = n;
  }
  out["errors_by_kind"] = by_kind;
  out["error_summary"] = errors.to_json();
  out["benchmark_phase"] = info.phase;
  out["was_cancelled"] = info.was_cancelled;
  out["start_time"] = info.start_time;
  out["end_time"] = info.end_time;
  out["input_config"] = info.input_config;
  return out;
}

std::string aggregate_csv(const metrics::RunMetrics& run) { return aggregate_csv(run, run.results()); }

std::string aggregate_csv(const metrics::RunMetrics& run, const std::vector<metrics::MetricResult>& results) {
  std::string dist = "Metric,avg,min,max,p1,p5,p10,p25,p50,p75,p90,p95,p99,std\n";
  std::string single = "Metric,Value\n";
  for (const auto& result : results) {
    const auto& meta = metric_info(result.id);
    std::string name = display_name(run, meta);
    if (result.stats) {
      const auto& s = *result.stats;
      dist += fmt::format("{},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f}\n",
                          name, s.avg, s.min, s.max, s.p1, s.p5, s.p10, s.p25, s.p50, s.p75,
                          s.p90, s.p95, s.p99, s.std);
    } else if (result.value) {
      single += fmt::format("{},{:.2f}\n", name, *result.value);
    }
  }
  return dist + "\n" + single;
}

std::string iso8601(int64_t epoch_ns) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ns / 1'000'000'000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06d}Z", buffer, (epoch_ns % 1'000'000'000) / 1000);
}

json by_class_json(const ClassMetrics& classes) {
  json out = json::object();
  for (const auto& [label, run] : classes) {
    RunInfo info;
    json doc = aggregate_json(run, run.results(), {}, info);
    for (const char* key : {"input_config", "start_time", "end_time", "was_cancelled", "error_summary"}) doc.erase(key);
    out[label] = std::move(doc);
  }
  return out;
}

}  // namespace aiperf::exporting
