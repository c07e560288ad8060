#include "export/artifacts.h"

#include "export/atomic_file.h"

namespace aiperf::exporting {

nlohmann::json transport_json(const metrics::TransportSummary& t) {
  nlohmann::json lag = {{"reads", t.reads},
                        {"kernel_stamped_reads", t.kernel_stamped_reads},
                        {"user_stamped_reads", t.user_stamped_reads},
                        {"stream_reads", t.stream_reads},
                        {"multi_event_reads", t.multi_event_reads},
                        {"multi_event_read_share", t.multi_event_share()},
                        {"max_read_lateness_ms", static_cast<double>(t.max_read_lateness_ns) / 1e6},
                        {"mean_read_lateness_ms", t.mean_read_lateness_ns() / 1e6}};
  if (auto warning = t.lag_warning()) lag["warning"] = *warning;
  return {{"requests", t.requests},
          {"new_connections", t.new_connections},
          {"tls_requests", t.tls_requests},
          {"tls_sessions_resumed", t.tls_sessions_resumed},
          {"stale_connection_retries", t.retried},
          {"content_encodings", t.content_encodings},
          {"receive_lag", lag}};
}

namespace {

// Per server URL: the same metric summaries as the top level, without the run information.
nlohmann::json per_url_json(const std::map<std::string, metrics::RunMetrics>& by_url) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [url, run] : by_url) {
    auto doc = aggregate_json(run, run.results(), {}, {});
    for (const char* key : {"input_config", "benchmark_phase", "was_cancelled", "start_time", "end_time", "error_summary"}) {
      doc.erase(key);
    }
    out[url] = std::move(doc);
  }
  return out;
}

// AIPerf's own timeslice files beside the summaries: {"timeslices": [...], "input_config"} and its tidy CSV.
template <typename Attempt>
void write_timeslice_files(const ArtifactSet& set, Attempt& attempt) {
  attempt("profile_export_aiperf_timeslices.json", [&] {
    nlohmann::json doc = {{"timeslice_duration_sec", static_cast<double>(set.timeslices->slice_ns()) / 1e9},
                          {"timeslices", timeslices_json(*set.timeslices)},
                          {"input_config", set.info.input_config}};
    return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  });
  attempt("profile_export_aiperf_timeslices.csv", [&] { return timeslices_csv(*set.timeslices); });
}

}  // namespace

nlohmann::json summary_document(const ArtifactSet& set) {
  const auto& p = set.profiling;
  auto doc = aggregate_json(*p.metrics, *p.results, *set.errors, set.info);
  doc["cancelled_request_count"] = {{"unit", "requests"}, {"avg", p.cancelled}};
  doc["planned_cancellation_count"] = {{"unit", "requests"}, {"avg", p.planned_cancellations}};
  if (p.transport) doc["transport"] = transport_json(*p.transport);
  if (p.by_url && !p.by_url->empty()) doc["per_url"] = per_url_json(*p.by_url);
  if (!p.strategy_summary.empty()) doc["timing_strategy_summary"] = p.strategy_summary;
  if (p.ranks.is_array()) doc["ranks"] = p.ranks;
  if (p.workers.is_array()) doc["workers"] = p.workers;
  if (set.warmup) {
    RunInfo warm = set.info;
    warm.phase = "warmup";
    doc["warmup_metrics"] = aggregate_json(*set.warmup->metrics, *set.warmup->results, {}, warm);
    doc["warmup_metrics"].erase("input_config");
    if (set.warmup->transport) doc["warmup_metrics"]["transport"] = transport_json(*set.warmup->transport);
    if (set.warmup->ranks.is_array()) doc["warmup_metrics"]["ranks"] = set.warmup->ranks;
    if (set.warmup->workers.is_array()) doc["warmup_metrics"]["workers"] = set.warmup->workers;
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
  // Responses whose server usage was dropped as implausible (their counts are the client's).
  doc["implausible_usage"] = {{"unit", "requests"}, {"avg", set.implausible_usage}};
  if (set.malformed_server_timing > 0) {
    doc["malformed_server_timing"] = {{"unit", "requests"}, {"avg", set.malformed_server_timing}};
  }
  if (set.by_class && !set.by_class->empty()) doc["by_class"] = by_class_json(*set.by_class);
  if (set.conversations && !set.conversations->empty()) doc["conversations"] = set.conversations->to_json();
  doc["plugins_loaded"] = set.plugins_loaded;
  if (set.profiling_start_ns) doc["profiling_start_ns"] = *set.profiling_start_ns;
  if (set.timeslices) {
    doc["timeslice_duration_sec"] = static_cast<double>(set.timeslices->slice_ns()) / 1e9;
    doc["timeslices"] = timeslices_json(*set.timeslices);
    if (auto n = set.timeslices->unsliced()) doc["timeslices_unsliced_requests"] = n;
  }
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
  attempt("profile_export_aiperf.csv", [&] {
    auto csv = aggregate_csv(*set.profiling.metrics, *set.profiling.results);
    if (set.conversations) csv = with_conversation_rows(std::move(csv), *set.conversations);
    return set.timeslices ? csv + "\n" + timeslices_csv(*set.timeslices) : csv;  // a third section, AIPerf's tidy rows
  });
  if (set.timeslices) write_timeslice_files(set, attempt);
  return errors;
}

}  // namespace aiperf::exporting
