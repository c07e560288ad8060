#include "report/server_side.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <set>

namespace aiperf::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxGaugeCharts = 12;  // a scrape of a real server has dozens of gauges
constexpr const char* kPower = "DCGM_FI_DEV_POWER_USAGE";
constexpr const char* kUtil = "DCGM_FI_DEV_GPU_UTIL";

const json& metric_entry(const CollectorData& data, const std::string& name) {
  static const json kNone = json::object();
  const auto metrics = data.document.is_object() ? data.document.find("metrics") : data.document.end();
  if (!data.document.is_object() || metrics == data.document.end() || !metrics->contains(name)) return kNone;
  return (*metrics)[name];
}

// A file-name-safe chart id from a series name.
std::string chart_id(const std::string& prefix, const std::string& name) {
  std::string id = prefix;
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return id;
}

// The series' gpu="N" label, else its whole label set.
std::string gpu_name(const std::string& series) {
  const auto at = series.find("gpu=\"");
  if (at != std::string::npos) return "gpu " + series.substr(at + 5, series.find('"', at + 5) - at - 5);
  const auto brace = series.find('{');
  return brace == std::string::npos ? "gpu" : series.substr(brace);
}

// Gauge series names over all runs: those with a friendly name first, then by name.
std::vector<std::string> gauge_names(const std::vector<RunData>& runs) {
  std::set<std::pair<bool, std::string>> names;
  for (const auto& run : runs) {
    for (const auto& [name, series] : run.server_metrics.series) {
      const auto& entry = metric_entry(run.server_metrics, name);
      if (entry.value("kind", "gauge") != "gauge") continue;  // counters are summarised as rates
      if (name.rfind("DCGM_FI_", 0) == 0) continue;            // a DCGM endpoint scraped as server metrics: GPU charts show it
      names.emplace(!entry.contains("display"), name);
    }
  }
  std::vector<std::string> out;
  for (const auto& [undisplayed, name] : names) {
    if (out.size() == kMaxGaugeCharts) break;
    out.push_back(name);
  }
  return out;
}

ChartSpec gauge_chart(const std::vector<RunData>& runs, const std::string& name) {
  ChartSpec c;
  c.x_label = kTimeAxis;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto it = runs[i].server_metrics.series.find(name);
    if (it == runs[i].server_metrics.series.end()) continue;
    const auto& entry = metric_entry(runs[i].server_metrics, name);
    // The friendly name alone: a series name with its labels overflows the title line.
    if (c.title.empty()) c.title = entry.contains("display") ? entry["display"].get<std::string>() : name;
    if (c.y_label.empty()) c.y_label = it->second.unit.empty() ? "value" : it->second.unit;
    c.series.push_back(Series{runs[i].name, palette_colour(i), SeriesKind::kStep, it->second.points});
  }
  return c;
}

// One series per (run, GPU) of the DCGM `field`.
ChartSpec gpu_chart(const std::vector<RunData>& runs, const char* field, std::string title, std::string y_label) {
  ChartSpec c;
  c.title = std::move(title), c.x_label = kTimeAxis, c.y_label = std::move(y_label);
  std::size_t colour = 0;
  for (const auto& run : runs) {
    for (const auto& [name, series] : run.gpu_telemetry.series) {
      if (name.rfind(field, 0) != 0 || (name.size() > std::strlen(field) && name[std::strlen(field)] != '{')) continue;
      const std::string label = runs.size() > 1 ? run.name + " " + gpu_name(name) : gpu_name(name);
      c.series.push_back(Series{label, palette_colour(colour++), SeriesKind::kLine, series.points});
    }
  }
  return c;
}

std::string cell(const json& stats, const char* key) {
  const auto& v = stats.value(key, json(nullptr));
  return v.is_number() ? human_number(v.get<double>()) : "";
}

std::string histogram_table(const std::vector<RunData>& runs) {
  std::string rows;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& doc = runs[i].server_metrics.document;
    if (!doc.is_object()) continue;
    const auto metrics = doc.value("metrics", json::object());  // items() must not outlive it
    for (const auto& [name, entry] : metrics.items()) {
      if (!entry.is_object() || entry.value("kind", "") != "histogram") continue;
      rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                          escape_xml(name), escape_xml(runs[i].name), escape_xml(entry.value("unit", "")),
                          cell(entry, "count"), cell(entry, "avg"), cell(entry, "p50"), cell(entry, "p90"),
                          cell(entry, "p99"));
    }
  }
  if (rows.empty()) return {};
  return "<h3>Server histograms (profiling phase; percentiles within one bucket)</h3><table><tr><th>histogram</th>"
         "<th>run</th><th>unit</th><th>count</th><th>avg</th><th>p50</th><th>p90</th><th>p99</th></tr>" +
         rows + "</table>";
}

std::string energy_table(const std::vector<RunData>& runs) {
  std::string rows;
  for (const auto& run : runs) {
    const auto& doc = run.gpu_telemetry.document;
    if (!doc.is_object()) continue;
    for (const auto& gpu : doc.value("gpus", json::array())) {
      rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td></td><td></td></tr>",
                          escape_xml(run.name), escape_xml(gpu_name(gpu.value("labels", ""))),
                          cell(gpu, "energy_joules"), cell(gpu.value("power", json::object()), "avg"),
                          cell(gpu.value("utilization", json::object()), "avg"));
    }
    const auto summary = doc.value("summary", json::object());
    rows += fmt::format("<tr><td>{}</td><td>all</td><td>{}</td><td></td><td></td><td>{}</td><td>{}</td></tr>",
                        escape_xml(run.name), cell(summary, "energy_joules"),
                        cell(summary, "energy_per_output_token_joules"), cell(summary, "output_tokens_per_joule"));
  }
  if (rows.empty()) return {};
  return "<h3>GPU energy (profiling phase)</h3><table><tr><th>run</th><th>GPU</th><th>energy (J)</th>"
         "<th>avg power (W)</th><th>avg utilisation (%)</th><th>energy per output token (J)</th>"
         "<th>output tokens per J</th></tr>" +
         rows + "</table>";
}

}  // namespace

std::vector<NamedChart> server_side_charts(const std::vector<RunData>& runs) {
  std::vector<NamedChart> charts;
  for (const auto& name : gauge_names(runs)) {
    charts.push_back({chart_id("server_", name), kServerSideSection, gauge_chart(runs, name)});
  }
  const bool gpus = std::any_of(runs.begin(), runs.end(), [](const RunData& r) { return !r.gpu_telemetry.series.empty(); });
  if (gpus) {
    charts.push_back({"gpu_power", kServerSideSection, gpu_chart(runs, kPower, "GPU power", "power (W)")});
    charts.push_back({"gpu_utilization", kServerSideSection, gpu_chart(runs, kUtil, "GPU utilisation", "utilisation (%)")});
  }
  return charts;
}

std::string server_side_tables(const std::vector<RunData>& runs) {
  return histogram_table(runs) + energy_table(runs);
}

}  // namespace aiperf::report
