#include "hooks/phase_stats_json.h"

#include <cmath>
#include <limits>

namespace aiperf::hooks {
namespace {

using nlohmann::json;

// JSON has no NaN or infinity; a metric over no samples may be either.
json number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

Error malformed(const std::string& key, const char* want) {
  return make_error(ErrorCode::kMalformedInput, "'" + key + "' must be " + want).about("phase stats");
}

// Reads required key `key` of `j` into `out`, or says why it cannot.
std::optional<Error> read(const json& j, const std::string& key, double& out) {
  auto it = j.find(key);
  if (it == j.end()) return malformed(key, "present");
  if (it->is_number()) return out = it->get<double>(), std::nullopt;
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (s == "NaN") return out = std::numeric_limits<double>::quiet_NaN(), std::nullopt;
    if (s == "Infinity") return out = inf, std::nullopt;
    if (s == "-Infinity") return out = -inf, std::nullopt;
  }
  return malformed(key, "a number");
}

std::optional<Error> read(const json& j, const std::string& key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return malformed(key, "a string");
  return out = it->get<std::string>(), std::nullopt;
}

std::optional<Error> read(const json& j, const std::string& key, bool& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return malformed(key, "true or false");
  return out = it->get<bool>(), std::nullopt;
}

std::optional<Error> read(const json& j, const std::string& key, uint64_t& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return malformed(key, "an unsigned integer");
  return out = it->get<uint64_t>(), std::nullopt;
}

std::optional<Error> read(const json& j, const std::string& key, int64_t& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return malformed(key, "an integer");
  if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) {
    return malformed(key, "an int64");
  }
  return out = it->get<int64_t>(), std::nullopt;
}

}  // namespace

json to_json(const MetricSummary& m) {
  return {{"tag", m.tag},           {"unit", m.unit},         {"count", m.count},
          {"avg", number(m.avg)},   {"min", number(m.min)},   {"max", number(m.max)},
          {"std", number(m.std)},   {"p50", number(m.p50)},   {"p90", number(m.p90)},
          {"p95", number(m.p95)},   {"p99", number(m.p99)}};
}

json to_json(const ServerMetricSummary& m) {
  json values = json::array();
  for (const auto& [stat, v] : m.values) values.push_back({stat, number(v)});
  return {{"collector", m.collector}, {"name", m.name}, {"display", m.display},
          {"unit", m.unit},           {"kind", m.kind}, {"values", std::move(values)}};
}

Expected<ServerMetricSummary> server_metric_summary_from_json(const json& j) {
  if (!j.is_object()) return fail(malformed("server_metrics[]", "an object"));
  ServerMetricSummary m;
  for (auto problem : {read(j, "collector", m.collector), read(j, "name", m.name), read(j, "display", m.display),
                       read(j, "unit", m.unit), read(j, "kind", m.kind)}) {
    if (problem) return fail(std::move(*problem));
  }
  auto values = j.find("values");
  if (values == j.end() || !values->is_array()) return fail(malformed("values", "an array"));
  for (const auto& pair : *values) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string()) {
      return fail(malformed("values[]", "a [name, number] pair"));
    }
    double v = 0;
    if (auto problem = read(json{{"v", pair[1]}}, "v", v)) return fail(malformed("values[]", "a [name, number] pair"));
    m.values.emplace_back(pair[0].get<std::string>(), v);
  }
  return m;
}

json to_json(const PhaseStats& s) {
  json metrics = json::array();
  for (const auto& m : s.metrics) metrics.push_back(to_json(m));
  json server = json::array();
  for (const auto& m : s.server_metrics) server.push_back(to_json(m));
  return {{"phase", s.phase},
          {"start_ns", s.start_ns},
          {"end_ns", s.end_ns},
          {"duration_sec", number(s.duration_sec)},
          {"requests_sent", s.requests_sent},
          {"requests_completed", s.requests_completed},
          {"requests_failed", s.requests_failed},
          {"was_cancelled", s.was_cancelled},
          {"metrics", std::move(metrics)},
          {"server_metrics", std::move(server)}};
}

Expected<MetricSummary> metric_summary_from_json(const json& j) {
  if (!j.is_object()) return fail(malformed("metrics[]", "an object"));
  MetricSummary m;
  for (auto problem : {read(j, "tag", m.tag), read(j, "unit", m.unit), read(j, "count", m.count),
                       read(j, "avg", m.avg), read(j, "min", m.min), read(j, "max", m.max),
                       read(j, "std", m.std), read(j, "p50", m.p50), read(j, "p90", m.p90),
                       read(j, "p95", m.p95), read(j, "p99", m.p99)}) {
    if (problem) return fail(std::move(*problem));
  }
  return m;
}

Expected<PhaseStats> phase_stats_from_json(const json& j) {
  if (!j.is_object()) return fail(malformed("phase stats", "an object"));
  PhaseStats s;
  for (auto problem : {read(j, "phase", s.phase), read(j, "start_ns", s.start_ns), read(j, "end_ns", s.end_ns),
                       read(j, "duration_sec", s.duration_sec), read(j, "requests_sent", s.requests_sent),
                       read(j, "requests_completed", s.requests_completed),
                       read(j, "requests_failed", s.requests_failed), read(j, "was_cancelled", s.was_cancelled)}) {
    if (problem) return fail(std::move(*problem));
  }
  auto metrics = j.find("metrics");
  if (metrics == j.end() || !metrics->is_array()) return fail(malformed("metrics", "an array"));
  for (const auto& item : *metrics) {
    auto m = metric_summary_from_json(item);
    if (!m) return fail(std::move(m.error()));
    s.metrics.push_back(std::move(*m));
  }
  // API 1.2; optional so that stats written by an older host still read.
  if (auto server = j.find("server_metrics"); server != j.end()) {
    if (!server->is_array()) return fail(malformed("server_metrics", "an array"));
    for (const auto& item : *server) {
      auto m = server_metric_summary_from_json(item);
      if (!m) return fail(std::move(m.error()));
      s.server_metrics.push_back(std::move(*m));
    }
  }
  return s;
}

}  // namespace aiperf::hooks
