#include "exposition.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <utility>

namespace aiperf_prometheus {
namespace {

// Multiplier to seconds for the time units AIPerf uses; 0 when `unit` is not a time.
double seconds_per(std::string_view unit) {
  if (unit == "ns") return 1e-9;
  if (unit == "us" || unit == "\u00b5s") return 1e-6;
  if (unit == "ms") return 1e-3;
  if (unit == "s" || unit == "sec" || unit == "seconds") return 1;
  return 0;
}

// Prometheus metric names allow [a-zA-Z0-9_:]; anything else becomes '_'.
std::string sanitize(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

void set_gauge(prometheus::Registry& registry, const std::string& name, const std::string& help,
               double value) {
  prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({}).Set(value);
}

void add_phase_identity(prometheus::Registry& registry, const aiperf::PhaseStats& stats, bool running) {
  set_gauge(registry, "aiperf_phase_running", "1 while the phase runs, 0 once it completed",
            running ? 1 : 0);
  set_gauge(registry, "aiperf_phase_cancelled", "1 when the user interrupted the phase",
            stats.was_cancelled ? 1 : 0);
  set_gauge(registry, "aiperf_phase_start_timestamp_seconds", "Phase start, UNIX time in seconds",
            static_cast<double>(stats.start_ns) * 1e-9);
}

void add_summary(prometheus::Registry& registry, prometheus::Family<prometheus::Gauge>& samples,
                 const aiperf::MetricSummary& metric) {
  PrometheusName n = prometheus_name(metric.tag, metric.unit);
  std::string help = "AIPerf " + metric.tag + " in " + n.unit;
  if (n.unit != metric.unit) help += " (AIPerf reports " + metric.unit + ")";
  help += "; stat is avg, min, max, p50, p90, p95, p99 or std";
  auto& family = prometheus::BuildGauge().Name(n.name).Help(help).Register(registry);
  const std::array<std::pair<const char*, double>, 8> stats = {{{"avg", metric.avg},
                                                                {"min", metric.min},
                                                                {"max", metric.max},
                                                                {"p50", metric.p50},
                                                                {"p90", metric.p90},
                                                                {"p95", metric.p95},
                                                                {"p99", metric.p99},
                                                                {"std", metric.std}}};
  for (const auto& [stat, value] : stats) family.Add({{"stat", stat}}).Set(value * n.scale);
  samples.Add({{"metric", metric.tag}}).Set(static_cast<double>(metric.count));
}

// Collector summaries (plugin API 1.2): one family, the server's own metric name as a label,
// so that any name and label set (vLLM's `vllm:x{model_name="m"}`) passes unchanged.
void add_server_metrics(prometheus::Registry& registry, const aiperf::PhaseStats& stats) {
  if (stats.server_metrics.empty()) return;
  auto& family = prometheus::BuildGauge()
                     .Name("aiperf_server_metric")
                     .Help("What a collector (server_metrics, gpu_telemetry) measured on the server side over the "
                           "phase: metric is the series' name with its labels, stat the statistic, in unit")
                     .Register(registry);
  for (const auto& m : stats.server_metrics) {
    for (const auto& [stat, value] : m.values) {
      family.Add({{"collector", m.collector}, {"metric", m.name}, {"stat", stat}, {"unit", m.unit}}).Set(value);
    }
  }
}

}  // namespace

PrometheusName prometheus_name(std::string_view tag, std::string_view unit) {
  PrometheusName out{"aiperf_" + sanitize(tag), 1, std::string(unit)};
  if (double scale = seconds_per(unit); scale != 0) {
    out.scale = scale;
    out.unit = "seconds";
    if (!out.name.ends_with("_seconds")) out.name += "_seconds";
  }
  return out;
}

std::string phase_start_exposition(const aiperf::PhaseStats& stats) {
  prometheus::Registry registry;
  add_phase_identity(registry, stats, /*running=*/true);
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

std::string phase_complete_exposition(const aiperf::PhaseStats& stats) {
  prometheus::Registry registry;
  add_phase_identity(registry, stats, /*running=*/false);
  set_gauge(registry, "aiperf_phase_end_timestamp_seconds", "Phase end, UNIX time in seconds",
            static_cast<double>(stats.end_ns) * 1e-9);
  set_gauge(registry, "aiperf_phase_duration_seconds", "Phase wall-clock duration in seconds",
            stats.duration_sec);
  set_gauge(registry, "aiperf_requests_sent", "Requests sent in the phase",
            static_cast<double>(stats.requests_sent));
  set_gauge(registry, "aiperf_requests_completed", "Requests of the phase that finished without error",
            static_cast<double>(stats.requests_completed));
  set_gauge(registry, "aiperf_requests_failed", "Requests of the phase that failed",
            static_cast<double>(stats.requests_failed));
  if (!stats.metrics.empty()) {
    auto& samples = prometheus::BuildGauge()
                        .Name("aiperf_metric_samples")
                        .Help("Number of values each AIPerf metric summarises")
                        .Register(registry);
    for (const auto& metric : stats.metrics) add_summary(registry, samples, metric);
  }
  add_server_metrics(registry, stats);
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace aiperf_prometheus
