#include "report/run_data.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <tuple>

#include "base/file.h"

namespace aiperf::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxAggregateBytes = 64u << 20;

struct RawRecord {
  int64_t start_ns = 0, end_ns = 0;
  RequestPoint point;
};

RawRecord parse_record(const json& line) {
  RawRecord r;
  const auto& md = line.at("metadata");
  r.start_ns = md.value("request_start_ns", int64_t{0});
  r.end_ns = md.value("request_end_ns", r.start_ns);
  const auto& error = line.value("error", json(nullptr));
  r.point.ok = error.is_null();
  if (!r.point.ok) r.point.error_type = error.value("type", std::string("unknown"));
  const auto metrics = line.find("metrics");
  if (metrics == line.end() || !metrics->is_object()) return r;
  for (const auto& [tag, entry] : metrics->items()) {
    if (!entry.is_object()) continue;
    const auto& value = entry.value("value", json(nullptr));
    if (value.is_number()) {
      r.point.values[tag] = value.get<double>();
    } else if (value.is_array() && tag == "inter_chunk_latency") {
      for (const auto& v : value) {
        if (v.is_number()) r.point.inter_chunk_latency_ms.push_back(v.get<double>());
      }
    }
  }
  return r;
}

// Calls `use` with every non-empty line of a JSONL file, parsed; a line that does not parse, or
// that `use` throws on (a missing key, a wrong type), fails naming file:line. No file: no lines.
template <class Use>
Expected<void> for_each_json_line(const std::filesystem::path& file, Use&& use) {
  std::ifstream in(file);
  std::string text;
  int line_number = 0;
  while (in && std::getline(in, text)) {
    ++line_number;
    if (text.empty()) continue;
    try {
      use(json::parse(text));
    } catch (const std::exception& e) {
      return fail(make_error(ErrorCode::kMalformedInput, e.what()).in_file(file.string(), line_number));
    }
  }
  return {};
}

// Reads profile_export.jsonl; times become seconds after `origin` (unset: the first send, which it becomes).
Expected<std::vector<RequestPoint>> read_records(const std::filesystem::path& file, std::optional<int64_t>& origin) {
  std::vector<RequestPoint> points;
  std::vector<RawRecord> raw;
  auto read = for_each_json_line(file, [&](const json& line) {  // no file: aggregates only
    if (line.at("metadata").value("benchmark_phase", std::string("profiling")) != "profiling") return;
    raw.push_back(parse_record(line));
  });
  if (!read) return fail(std::move(read.error()));
  if (!origin && !raw.empty()) {
    origin = std::numeric_limits<int64_t>::max();
    for (const auto& r : raw) origin = std::min(*origin, r.start_ns);
  }
  const int64_t first = origin.value_or(0);
  for (auto& r : raw) {
    r.point.start_s = static_cast<double>(r.start_ns - first) / 1e9;
    r.point.end_s = static_cast<double>(r.end_ns - first) / 1e9;
    points.push_back(std::move(r.point));
  }
  return points;
}

Expected<std::map<std::string, TimeSeries>> read_time_series(const std::filesystem::path& file,
                                                             std::optional<int64_t> origin) {
  std::map<std::string, TimeSeries> out;
  std::vector<std::tuple<std::string, std::string, int64_t, double>> raw;
  auto read = for_each_json_line(file, [&](const json& line) {
    const auto& value = line.at("value");
    if (!value.is_number()) return;  // a non-finite sample is exported as null
    raw.emplace_back(line.at("metric").get<std::string>(), line.value("unit", ""),
                     line.at("timestamp_ns").get<int64_t>(), value.get<double>());
  });
  if (!read) return fail(std::move(read.error()));
  int64_t first = std::numeric_limits<int64_t>::max();
  for (const auto& r : raw) first = std::min(first, std::get<2>(r));
  if (origin) first = *origin;
  for (auto& [metric, unit, t, v] : raw) {
    auto& series = out[metric];
    series.unit = unit;
    series.points.emplace_back(static_cast<double>(t - first) / 1e9, v);
  }
  return out;
}

}  // namespace

Expected<CollectorData> load_collector(const std::filesystem::path& dir, const std::string& name,
                                       std::optional<int64_t> origin_ns) {
  CollectorData data;
  const auto doc_file = dir / (name + ".json");
  if (std::filesystem::exists(doc_file)) {
    auto text = read_bounded_regular_file(doc_file, kMaxAggregateBytes);
    if (!text) return fail(std::move(text.error()).in_file(doc_file.string()));
    data.document = json::parse(*text, nullptr, false);
    if (data.document.is_discarded() || !data.document.is_object()) {
      return fail(make_error(ErrorCode::kMalformedInput, "not a JSON object").in_file(doc_file.string()));
    }
  }
  auto series = read_time_series(dir / (name + "_timeseries.jsonl"), origin_ns);
  if (!series) return fail(std::move(series.error()));
  data.series = std::move(*series);
  return data;
}

std::vector<double> RunData::values(const std::string& tag) const {
  std::vector<double> out;
  for (const auto& r : requests) {
    if (!r.ok) continue;
    if (tag == "inter_chunk_latency") {
      out.insert(out.end(), r.inter_chunk_latency_ms.begin(), r.inter_chunk_latency_ms.end());
    } else if (auto it = r.values.find(tag); it != r.values.end() && std::isfinite(it->second)) {
      out.push_back(it->second);
    }
  }
  return out;
}

Expected<RunData> load_run(const std::filesystem::path& dir) {
  RunData run;
  run.dir = dir;
  run.name = std::filesystem::absolute(dir).lexically_normal().filename().string();
  if (run.name.empty()) run.name = std::filesystem::absolute(dir).lexically_normal().parent_path().filename().string();
  const auto aggregate_file = dir / "profile_export_aiperf.json";
  auto text = read_bounded_regular_file(aggregate_file, kMaxAggregateBytes);
  if (!text) return fail(std::move(text.error()).in_file(aggregate_file.string()));
  try {
    run.aggregate = json::parse(*text);
  } catch (const json::parse_error& e) {
    return fail(make_error(ErrorCode::kMalformedInput, e.what()).in_file(aggregate_file.string()));
  }
  if (!run.aggregate.is_object()) {
    return fail(make_error(ErrorCode::kMalformedInput, "not a JSON object").in_file(aggregate_file.string()));
  }
  if (const auto start = run.aggregate.find("profiling_start_ns");
      start != run.aggregate.end() && start->is_number_integer()) {
    run.origin_ns = start->get<int64_t>();
  }
  auto client_origin = run.origin_ns;  // without one: the first send, for the client's records only
  auto records = read_records(dir / "profile_export.jsonl", client_origin);
  if (!records) return fail(std::move(records.error()));
  run.requests = std::move(*records);
  if (const auto slices = run.aggregate.find("timeslices"); slices != run.aggregate.end() && slices->is_array()) {
    run.timeslices = *slices;
  }
  for (auto [name, data] : {std::pair{"server_metrics", &run.server_metrics}, {"gpu_telemetry", &run.gpu_telemetry}}) {
    auto loaded = load_collector(dir, name, run.origin_ns);
    if (!loaded) return fail(std::move(loaded.error()));
    *data = std::move(*loaded);
  }
  return run;
}

std::string unit_of(const RunData& run, const std::string& tag) {
  if (run.aggregate.contains(tag) && run.aggregate[tag].is_object()) return run.aggregate[tag].value("unit", "");
  return "";
}

}  // namespace aiperf::report
