#include "export/collector_export.h"

#include <fmt/format.h>

#include <cmath>
#include <exception>
#include <map>

#include "export/atomic_file.h"

namespace aiperf::exporting {
namespace {

using collectors::CollectorOutcome;

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json outcome_json(const CollectorOutcome& o) {
  nlohmann::json stats = nlohmann::json::object();
  if (o.result) {
    for (const auto& s : o.result->stats) {
      nlohmann::json entry = {{"kind", s.kind}, {"unit", s.unit}};
      if (!s.display.empty()) entry["display"] = s.display;
      for (const auto& [k, v] : s.values) entry[k] = number(v);
      stats[s.name] = std::move(entry);
    }
  }
  nlohmann::json out = {{"collector", o.name}, {"phase", o.phase}, {"samples", o.samples},
                        {"slowest_sample_ms", o.slowest_sample_ms}, {"problems", o.problems},
                        {"complete", o.result.has_value()}, {"metrics", std::move(stats)}};
  if (o.result) {
    out["warnings"] = o.result->warnings;
    for (const auto& [k, v] : o.result->document.items()) out[k] = v;
  }
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Long format: one row per (metric, statistic), so every kind fits one header.
std::string outcome_csv(const CollectorOutcome& o) {
  std::string out = "metric,kind,unit,stat,value\n";
  if (!o.result) return out;
  for (const auto& s : o.result->stats) {
    for (const auto& [k, v] : s.values) {
      out += fmt::format("{},{},{},{},{}\n", csv_field(s.name), s.kind, csv_field(s.unit), k, v);
    }
  }
  return out;
}

std::string outcome_jsonl(const CollectorOutcome& o) {
  std::string out;
  if (!o.result) return out;
  for (const auto& series : o.result->series) {
    for (const auto& [t, v] : series.points) {
      out += nlohmann::json{{"metric", series.name}, {"unit", series.unit}, {"timestamp_ns", t}, {"value", number(v)}}
                 .dump() + "\n";
    }
  }
  return out;
}

// For people: whole numbers in full (14420, not 1.442e+04), large ones to one decimal.
std::string readable(double x) {
  if (std::abs(x) < 1e15 && x == std::floor(x)) return fmt::format("{}", static_cast<int64_t>(x));
  if (std::abs(x) >= 1000 && std::abs(x) < 1e15) return fmt::format("{:.1f}", x);
  return fmt::format("{:.4g}", x);
}

std::string value_text(const CollectorStat& s) {
  std::map<std::string, double> v(s.values.begin(), s.values.end());
  auto g = [&](const char* k) { return v.count(k) ? readable(v[k]) : std::string("-"); };
  if (s.kind == "counter") return fmt::format("delta {}  rate {}/s", g("delta"), g("rate"));
  if (s.kind == "gauge") return fmt::format("avg {}  min {}  max {}  p99 {}", g("avg"), g("min"), g("max"), g("p99"));
  if (s.kind == "histogram") return fmt::format("count {}  avg {}  p50 {}  p99 {}", g("count"), g("avg"), g("p50"), g("p99"));
  return s.values.empty() ? std::string() : readable(s.values.front().second);
}

}  // namespace

std::vector<Error> write_collector_artifacts(const std::filesystem::path& dir,
                                             const std::vector<CollectorOutcome>& outcomes) {
  std::vector<Error> errors;
  for (const auto& o : outcomes) {
    const std::pair<std::string, std::string> files[] = {
        {o.name + ".json", outcome_json(o).dump(2) + "\n"},
        {o.name + ".csv", outcome_csv(o)},
        {o.name + "_timeseries.jsonl", outcome_jsonl(o)},
    };
    for (const auto& [file, content] : files) {
      try {
        write_file_atomically(dir / file, content);
      } catch (const std::exception& e) {
        errors.push_back(make_error(ErrorCode::kIo, e.what()).in_file((dir / file).string()));
      }
    }
  }
  return errors;
}

std::string collector_console_table(const std::vector<CollectorOutcome>& outcomes) {
  std::string rows;
  for (const auto& o : outcomes) {
    if (!o.result) continue;
    for (const auto& s : o.result->stats) {
      if (s.display.empty()) continue;
      std::string labels = s.name.find('{') != std::string::npos && s.display.find('{') == std::string::npos
                               ? s.name.substr(s.name.find('{'))
                               : std::string();
      std::string unit = s.unit.empty() ? "" : " (" + s.unit + ")";
      rows += fmt::format("{:<44} {}\n", s.display + unit + (labels.size() < 40 ? " " + labels : ""), value_text(s));
    }
  }
  if (rows.empty()) return {};
  return "aiperf | Server-side metrics\n" + rows;
}

}  // namespace aiperf::exporting
