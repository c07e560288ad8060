#include "metrics.h"

#include <array>
#include <cmath>
#include <utility>

namespace aiperf_datadog {
namespace {

void add(std::vector<Gauge>& out, std::string_view prefix, std::string_view suffix, double value) {
  if (!std::isfinite(value)) return;  // neither DogStatsD nor the JSON API can carry NaN or infinity
  out.push_back({std::string(prefix) + "." + std::string(suffix), value});
}

}  // namespace

std::string sanitize_name(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok) c = '_';
  }
  return out;
}

std::string server_metric_name(std::string_view name) {
  std::string out;
  for (char c : sanitize_name(name)) {
    if (c == '_' && (out.empty() || out.back() == '_' || out.back() == '.')) continue;  // no runs of '_'
    out.push_back(c);
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::vector<Gauge> phase_start_gauges(std::string_view prefix, const aiperf::PhaseStats&) {
  std::vector<Gauge> out;
  add(out, prefix, "phase.running", 1);
  return out;
}

std::vector<Gauge> phase_complete_gauges(std::string_view prefix, const aiperf::PhaseStats& stats) {
  std::vector<Gauge> out;
  add(out, prefix, "phase.running", 0);
  add(out, prefix, "phase.cancelled", stats.was_cancelled ? 1 : 0);
  add(out, prefix, "phase.duration", stats.duration_sec);
  add(out, prefix, "requests.sent", static_cast<double>(stats.requests_sent));
  add(out, prefix, "requests.completed", static_cast<double>(stats.requests_completed));
  add(out, prefix, "requests.failed", static_cast<double>(stats.requests_failed));
  for (const auto& m : stats.metrics) {
    std::string base = sanitize_name(m.tag) + ".";
    const std::array<std::pair<const char*, double>, 9> values = {{{"avg", m.avg},
                                                                   {"min", m.min},
                                                                   {"max", m.max},
                                                                   {"p50", m.p50},
                                                                   {"p90", m.p90},
                                                                   {"p95", m.p95},
                                                                   {"p99", m.p99},
                                                                   {"std", m.std},
                                                                   {"count", static_cast<double>(m.count)}}};
    for (const auto& [stat, value] : values) add(out, prefix, base + stat, value);
  }
  for (const auto& m : stats.server_metrics) {
    const std::string base = "server." + server_metric_name(m.name) + ".";
    for (const auto& [stat, value] : m.values) add(out, prefix, base + sanitize_name(stat), value);
  }
  return out;
}

}  // namespace aiperf_datadog
