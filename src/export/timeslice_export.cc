#include "export/timeslice_export.h"

#include <fmt/format.h>

#include <algorithm>

#include "export/profile_export.h"

namespace aiperf::exporting {
namespace {

using nlohmann::json;

// Run facts that belong to the whole run, not to a slice.
constexpr const char* kRunOnlyKeys[] = {"input_config", "benchmark_phase", "was_cancelled", "start_time", "end_time",
                                        "error_summary"};

json slice_json(int64_t index, int64_t slice_ns, const metrics::RunMetrics* run) {
  static const metrics::RunMetrics kEmpty;
  json doc = aggregate_json(run ? *run : kEmpty, {}, {});
  for (const char* key : kRunOnlyKeys) doc.erase(key);
  doc["timeslice_index"] = index;
  doc["start_sec"] = static_cast<double>(index * slice_ns) / 1e9;
  doc["end_sec"] = static_cast<double>((index + 1) * slice_ns) / 1e9;
  return doc;
}

}  // namespace

TimesliceMetrics::TimesliceMetrics(int64_t slice_ns) : slice_ns_(std::max<int64_t>(slice_ns, 1)) {}

void TimesliceMetrics::add(int64_t sent_ns, const metrics::RequestMetrics& request) {
  const int64_t index = std::max<int64_t>(sent_ns, 0) / slice_ns_;
  if (index >= kMaxTimeslices) {
    ++unsliced_;
    return;
  }
  slices_[index].add(request);
}

json timeslices_json(const TimesliceMetrics& slices) {
  json out = json::array();
  if (slices.slices().empty()) return out;
  const int64_t last = slices.slices().rbegin()->first;
  for (int64_t i = 0; i <= last; ++i) {
    const auto it = slices.slices().find(i);
    out.push_back(slice_json(i, slices.slice_ns(), it == slices.slices().end() ? nullptr : &it->second));
  }
  return out;
}

std::string timeslices_csv(const TimesliceMetrics& slices) {
  std::string csv = "Timeslice,Metric,Unit,Stat,Value\n";
  for (const auto& [index, run] : slices.slices()) {
    for (const auto& result : run.results()) {
      const auto& meta = metrics::metric_info(result.id);
      auto row = [&](const char* stat, double value) {
        csv += fmt::format("{},{},{},{},{:.2f}\n", index, meta.header, meta.unit, stat, value);
      };
      if (result.stats) {
        const auto& s = *result.stats;
        for (auto [stat, value] : {std::pair{"avg", s.avg}, {"min", s.min}, {"max", s.max}, {"p50", s.p50},
                                   {"p90", s.p90}, {"p95", s.p95}, {"p99", s.p99}, {"std", s.std}}) {
          row(stat, value);
        }
      } else if (result.value) {
        row("avg", *result.value);
      }
    }
  }
  return csv;
}

}  // namespace aiperf::exporting
