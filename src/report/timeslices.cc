#include "report/timeslices.h"

#include <fmt/format.h>

#include <cmath>

#include "export/atomic_file.h"
#include "metrics/distribution.h"

namespace aiperf::report {
namespace {

using nlohmann::json;

constexpr const char* kTags[] = {"time_to_first_token", "inter_token_latency", "request_latency"};
constexpr std::size_t kMaxSlices = 100'000;

struct Slice {
  int64_t requests = 0, errors = 0;
  double output_tokens = 0;
  std::map<std::string, metrics::Distribution> values;
};

json slice_json(std::size_t index, double width, const Slice& s) {
  json out = {{"index", index},
              {"start_sec", double(index) * width},
              {"end_sec", double(index + 1) * width},
              {"request_count", s.requests},
              {"error_count", s.errors},
              {"request_throughput", double(s.requests - s.errors) / width},
              {"output_token_throughput", s.output_tokens / width}};
  for (const char* tag : kTags) {
    const auto it = s.values.find(tag);
    if (it == s.values.end()) continue;
    const auto summary = it->second.summary();
    if (!summary) continue;
    out[tag] = {{"unit", "ms"}, {"avg", summary->avg}, {"p50", summary->p50}, {"p90", summary->p90},
                {"p99", summary->p99}, {"count", summary->count}};
  }
  return out;
}

}  // namespace

json timeslices(const RunData& run, double width) {
  std::vector<Slice> slices;
  for (const auto& r : run.requests) {
    const auto index = static_cast<std::size_t>(std::max(0.0, std::floor(r.start_s / width)));
    if (index >= kMaxSlices) continue;
    if (index >= slices.size()) slices.resize(index + 1);
    Slice& s = slices[index];
    ++s.requests;
    if (!r.ok) {
      ++s.errors;
      continue;
    }
    if (auto it = r.values.find("output_sequence_length"); it != r.values.end()) s.output_tokens += it->second;
    for (const char* tag : kTags) {
      if (auto it = r.values.find(tag); it != r.values.end()) s.values[tag].add(it->second);
    }
  }
  json out = {{"slice_duration_sec", width}, {"slices", json::array()}};
  for (std::size_t i = 0; i < slices.size(); ++i) out["slices"].push_back(slice_json(i, width, slices[i]));
  return out;
}

std::string timeslices_csv(const json& slices) {
  std::string csv = "Slice,Start (sec),End (sec),Requests,Errors,Request Throughput (requests/sec),"
                    "Output Token Throughput (tokens/sec)";
  for (const char* tag : kTags) csv += fmt::format(",{0} avg (ms),{0} p50 (ms),{0} p99 (ms)", tag);
  csv += "\n";
  for (const auto& s : slices.value("slices", json::array())) {
    csv += fmt::format("{},{:.3f},{:.3f},{},{},{:.4f},{:.4f}", s["index"].get<int64_t>(), s["start_sec"].get<double>(),
                       s["end_sec"].get<double>(), s["request_count"].get<int64_t>(), s["error_count"].get<int64_t>(),
                       s["request_throughput"].get<double>(), s["output_token_throughput"].get<double>());
    for (const char* tag : kTags) {
      if (!s.contains(tag)) {
        csv += ",,,";
        continue;
      }
      csv += fmt::format(",{:.4f},{:.4f},{:.4f}", s[tag]["avg"].get<double>(), s[tag]["p50"].get<double>(),
                         s[tag]["p99"].get<double>());
    }
    csv += "\n";
  }
  return csv;
}

std::optional<Error> write_timeslices(const std::filesystem::path& dir, double width) {
  auto run = load_run(dir);
  if (!run) return std::move(run.error());
  const auto slices = timeslices(*run, width);
  try {
    exporting::write_file_atomically(dir / "profile_export_aiperf_timeslices.json", slices.dump(2) + "\n");
    exporting::write_file_atomically(dir / "profile_export_aiperf_timeslices.csv", timeslices_csv(slices));
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kIo, e.what()).in_file((dir / "profile_export_aiperf_timeslices.json").string());
  }
  return std::nullopt;
}

}  // namespace aiperf::report
