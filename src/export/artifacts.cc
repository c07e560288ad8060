#include "export/artifacts.h"

#include "export/atomic_file.h"

namespace aiperf::exporting {

nlohmann::json summary_document(const ArtifactSet& set) {
  const auto& p = set.profiling;
  auto doc = aggregate_json(*p.metrics, *p.results, *set.errors, set.info);
  doc["cancelled_request_count"] = {{"unit", "requests"}, {"avg", p.cancelled}};
  if (!p.strategy_summary.empty()) doc["timing_strategy_summary"] = p.strategy_summary;
  if (set.warmup) {
    RunInfo warm = set.info;
    warm.phase = "warmup";
    doc["warmup_metrics"] = aggregate_json(*set.warmup->metrics, *set.warmup->results, {}, warm);
    doc["warmup_metrics"].erase("input_config");
  }
  if (set.good_requests) {
    uint64_t good = *set.good_requests;
    auto duration = p.metrics->benchmark_duration_ns();
    double rate = duration ? static_cast<double>(good) / (static_cast<double>(*duration) / 1e9) : 0;
    int64_t finished = p.metrics->request_count() + p.metrics->error_request_count();
    doc["good_request_count"] = {{"unit", "requests"}, {"avg", good}};
    doc["good_request_fraction"] = {{"unit", "ratio"}, {"avg", finished ? static_cast<double>(good) / finished : 0}};
    doc["goodput"] = {{"unit", "requests/sec"}, {"avg", rate}};
  }
  if (set.by_class && !set.by_class->empty()) doc["by_class"] = by_class_json(*set.by_class);
  doc["plugins_loaded"] = set.plugins_loaded;
  return doc;
}

std::vector<Error> write_artifacts(const ArtifactSet& set) {
  std::vector<Error> errors;
  auto attempt = [&](const char* name, auto&& make_content) {
    try {
      write_file_atomically(set.dir / name, make_content());
    } catch (const std::exception& e) {
      errors.push_back(make_error(ErrorCode::kIo, e.what()).about(name));
    }
  };
  attempt("profile_export_aiperf.json", [&] { return summary_document(set).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"; });
  attempt("profile_export_aiperf.csv", [&] { return aggregate_csv(*set.profiling.metrics, *set.profiling.results); });
  return errors;
}

}  // namespace aiperf::exporting
