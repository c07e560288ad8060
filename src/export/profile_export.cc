#include "export/profile_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <vector>

#include "base/json_writer.h"
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

namespace {

// A string value; a server's bad bytes are replaced (U+FFFD) as nlohmann's dump does,
// rather than the record being lost.
void put_string(JsonWriter& w, std::string_view text) {
  if (!w.value(text)) w.raw(json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace));
}

void write_metadata(JsonWriter& w, const RecordMetadata& md) {
  w.key("metadata");
  w.begin_object();
  w.key("session_num");
  w.value(md.session_num);
  w.key("x_request_id");
  put_string(w, md.request_id);
  w.key("request_start_ns");
  w.value(md.request_start_ns);
  w.key("request_end_ns");
  w.value(md.request_end_ns);
  w.key("benchmark_phase");
  put_string(w, md.benchmark_phase);
  w.key("was_cancelled");
  w.value(md.was_cancelled);
  if (!md.url.empty()) {
    w.key("url");
    put_string(w, md.url);
  }
  if (!md.class_label.empty()) {
    w.key("class");
    put_string(w, md.class_label);
  }
  if (md.conversation_id) {
    w.key("conversation_id");
    w.value(*md.conversation_id);
  }
  if (md.turn_index) {
    w.key("turn_index");
    w.value(*md.turn_index);
  }
  if (md.in_ramp) {
    w.key("in_ramp");
    w.value(*md.in_ramp);
  }
  w.end_object();
}

// A time in ns written as ms: an exact decimal (the double ns / 1e6 reads back from it).
struct Millis {
  int64_t ns;
};

void put_value(JsonWriter& w, Millis value) { w.scaled(value.ns, 6); }
template <typename T>
void put_value(JsonWriter& w, T value) {
  w.value(value);
}

// {"value": V, "unit": U[, "source": S]} under `tag`.
template <typename T>
void put_metric(JsonWriter& w, std::string_view tag, std::string_view unit, T value,
                std::string_view source = {}) {
  w.open_member(tag, "value");
  put_value(w, value);
  w.member_plain("unit", unit);
  if (!source.empty()) w.member_plain("source", source);
  w.end_object();
}

Millis ms(int64_t ns) { return Millis{ns}; }

void write_ok_metrics(JsonWriter& w, const metrics::RequestMetrics& m) {
  if (m.time_to_first_token_ns) put_metric(w, "time_to_first_token", "ms", ms(*m.time_to_first_token_ns));
  if (m.time_to_second_token_ns) put_metric(w, "time_to_second_token", "ms", ms(*m.time_to_second_token_ns));
  if (m.request_latency_ns) put_metric(w, "request_latency", "ms", ms(*m.request_latency_ns));
  if (m.inter_token_latency_ns) put_metric(w, "inter_token_latency", "ms", *m.inter_token_latency_ns / 1e6);
  if (!m.inter_chunk_latencies_ns.empty()) {
    w.key("inter_chunk_latency");
    w.begin_object();
    w.key("value");
    w.begin_array();
    for (auto gap : m.inter_chunk_latencies_ns) w.scaled(gap, 6);
    w.end_array();
    w.key("unit");
    w.plain("ms");
    w.end_object();
  }
  if (m.output_token_throughput_per_user) {
    put_metric(w, "output_token_throughput_per_user", "tokens/sec/user", *m.output_token_throughput_per_user);
  }
  if (m.output_sequence_length) {
    put_metric(w, "output_sequence_length", "tokens", *m.output_sequence_length,
               metrics::token_source_name(m.output_tokens_source));
  }
  if (m.time_to_first_output_token_ns) {
    put_metric(w, "time_to_first_output_token", "ms", ms(*m.time_to_first_output_token_ns));
  }
  if (m.output_token_count) put_metric(w, "output_token_count", "tokens", *m.output_token_count);
  if (m.reasoning_token_count) {
    put_metric(w, "reasoning_token_count", "tokens", *m.reasoning_token_count,
               metrics::token_source_name(m.reasoning_tokens_source));
  }
  if (m.cached_prompt_tokens) put_metric(w, "usage_prompt_cache_read_tokens", "tokens", *m.cached_prompt_tokens);
  if (m.prefill_throughput_per_user) {
    put_metric(w, "prefill_throughput_per_user", "tokens/sec/user", *m.prefill_throughput_per_user);
  }
}

void write_metrics(JsonWriter& w, const metrics::RequestMetrics& m) {
  w.key("metrics");
  w.begin_object();
  if (m.ok) write_ok_metrics(w, m);
  if (m.server_queue_ms) put_metric(w, "server_queue_time", "ms", *m.server_queue_ms);
  if (m.server_prefill_ms) put_metric(w, "server_prefill_time", "ms", *m.server_prefill_ms);
  if (m.server_decode_ms) put_metric(w, "server_decode_time", "ms", *m.server_decode_ms);
  if (m.network_client_overhead_ms) put_metric(w, "network_client_overhead", "ms", *m.network_client_overhead_ms);
  if (m.tls_handshake_time_ns) put_metric(w, "tls_handshake_time", "ms", ms(*m.tls_handshake_time_ns));
  if (m.schedule_lag_ns) put_metric(w, "schedule_lag", "ms", ms(*m.schedule_lag_ns));
  if (m.input_sequence_length) {
    put_metric(w, m.ok ? "input_sequence_length" : "error_isl", "tokens", *m.input_sequence_length,
               metrics::token_source_name(m.input_tokens_source));
  }
  w.end_object();
}

}  // namespace

// Written directly (no DOM): this runs once per request on the event loop.
std::string record_line(const RecordMetadata& md, const metrics::RequestMetrics& m) {
  std::string line;
  // One allocation: a line without per-chunk values is 600-1,000 bytes (metadata, ~10 metrics).
  line.reserve(1024 + md.request_id.size() + md.url.size() + md.class_label.size() +
               m.inter_chunk_latencies_ns.size() * 24);
  JsonWriter w(line);
  w.begin_object();
  write_metadata(w, md);
  write_metrics(w, m);
  w.key("error");
  if (m.error) {
    w.begin_object();
    w.key("code");
    if (m.error->http_status) {
      w.value(*m.error->http_status);
    } else {
      w.null();
    }
    w.key("type");
    w.plain(metrics::error_kind_name(m.error->kind));
    w.key("message");
    put_string(w, m.error->message);
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
  line.push_back('\n');
  return line;
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
