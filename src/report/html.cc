// The report page: charts, summary table and effective config, in one file.
#include <fmt/format.h>

#include <fstream>

#include "export/atomic_file.h"
#include "report/png.h"
#include "report/report.h"
#include "report/server_side.h"
#include "report/sweep.h"

namespace aiperf::report {
namespace {

using nlohmann::json;

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:24px;color:#222;background:#fafafa}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:32px}"
    ".charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{border:1px solid #ddd}"
    "table{border-collapse:collapse;font-size:13px;background:#fff}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
    "pre{background:#fff;border:1px solid #ddd;padding:8px;font-size:12px;overflow:auto}"
    ".swatch{display:inline-block;width:10px;height:10px;margin-right:4px}";

std::string cell(const json& stats, const char* key) {
  const auto& v = stats.value(key, json(nullptr));
  return v.is_number() ? human_number(v.get<double>()) : "";
}

std::string interval(const json& stats, const char* key) {
  const auto& ci = stats.value(key, json(nullptr));
  if (!ci.is_array() || ci.size() != 2) return "";
  auto side = [](const json& v) { return v.is_number() ? human_number(v.get<double>()) : std::string("∞"); };
  return fmt::format(" <small>[{}, {}]</small>", ci[0].is_null() ? "−∞" : side(ci[0]), side(ci[1]));
}

std::string run_label(const RunData& run, std::size_t i) {
  return fmt::format("<span class=\"swatch\" style=\"background:{}\"></span>{}", palette_colour(i),
                     escape_xml(run.name));
}

std::string summary_table(const std::vector<RunData>& runs) {
  std::string out =
      "<table><tr><th>metric</th><th>unit</th><th>run</th><th>avg</th><th>p50</th><th>p90</th>"
      "<th>p99 <small>[95% CI]</small></th><th>max</th><th>count</th></tr>";
  for (const auto& [tag, first] : runs.front().aggregate.items()) {
    if (!first.is_object() || !first.contains("unit") || !first.contains("avg")) continue;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto stats = runs[i].aggregate.value(tag, json::object());
      if (!stats.is_object() || !stats.contains("avg")) continue;
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td>"
                         "<td>{}</td><td>{}</td></tr>",
                         i == 0 ? escape_xml(tag) : "", escape_xml(stats.value("unit", "")), run_label(runs[i], i),
                         cell(stats, "avg"), cell(stats, "p50"), cell(stats, "p90"), cell(stats, "p99"),
                         interval(stats, "p99_ci"), cell(stats, "max"), cell(stats, "count"));
    }
  }
  return out + "</table>";
}

std::string configs(const std::vector<RunData>& runs) {
  std::string out;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto config = runs[i].aggregate.value("input_config", json::object());
    out += fmt::format("<h3>{}</h3><p>{} · {} to {}{}</p><pre>{}</pre>", run_label(runs[i], i),
                       escape_xml(runs[i].dir.string()), escape_xml(runs[i].aggregate.value("start_time", "")),
                       escape_xml(runs[i].aggregate.value("end_time", "")),
                       runs[i].aggregate.value("was_cancelled", false) ? " (cancelled)" : "",
                       escape_xml(config.dump(2, ' ', false, json::error_handler_t::replace)));
  }
  return out;
}

// A sweep directory (sweep_summary.json) stands for its runs, in sweep order; else one run.
Expected<std::vector<RunData>> load_runs(const std::filesystem::path& dir, std::vector<json>& sweeps) {
  std::vector<RunData> runs;
  const auto summary_file = dir / "sweep_summary.json";
  if (!std::filesystem::exists(dir / "profile_export_aiperf.json") && std::filesystem::exists(summary_file)) {
    json summary;
    try {
      std::ifstream in(summary_file);
      summary = json::parse(in);
    } catch (const std::exception& e) {
      return fail(make_error(ErrorCode::kMalformedInput, e.what()).in_file(summary_file.string()));
    }
    const std::string parameter = summary.value("parameter", "value");
    for (const auto& row : summary.value("runs", json::array())) {
      auto run = load_run(dir / sweep_value_text(row.value(parameter, 0.0)));
      if (!run) return fail(std::move(run.error()));
      run->name = fmt::format("{} {}", parameter, run->name);
      runs.push_back(std::move(*run));
    }
    sweeps.push_back(std::move(summary));
    return runs;
  }
  auto run = load_run(dir);
  if (!run) return fail(std::move(run.error()));
  runs.push_back(std::move(*run));
  return runs;
}

// Inline SVG in HTML needs no namespace; leaving it out keeps the page free of any URL.
std::string inline_svg(std::string svg) {
  const std::string ns = " xmlns=\"http://www.w3.org/2000/svg\"";
  if (auto at = svg.find(ns); at != std::string::npos) svg.erase(at, ns.size());
  return svg;
}

}  // namespace

std::string render_html(const std::vector<RunData>& runs, const std::vector<nlohmann::json>& sweeps) {
  std::string out = fmt::format(
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
      "<title>aiperf report</title><style>{}</style></head><body><h1>aiperf report</h1><p>",
      kStyle);
  for (std::size_t i = 0; i < runs.size(); ++i) out += run_label(runs[i], i) + " &nbsp; ";
  out += "</p>";
  std::string section;
  for (const auto& chart : report_charts(runs)) {
    if (chart.section != section) {
      out += fmt::format("{}<h2>{}</h2><div class=\"charts\">", section.empty() ? "" : "</div>",
                         escape_xml(chart.section));
      section = chart.section;
    }
    out += fmt::format("<figure id=\"{}\" style=\"margin:0\">{}</figure>", chart.id, inline_svg(render_svg(chart.spec)));
  }
  if (!section.empty()) out += "</div>";
  if (const auto tables = server_side_tables(runs); !tables.empty()) {
    if (section != kServerSideSection) out += fmt::format("<h2>{}</h2>", kServerSideSection);
    out += tables;
  }
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    out += fmt::format("<h2>Sweep over {}</h2><div class=\"charts\">", escape_xml(sweeps[i].value("parameter", "")));
    int n = 0;
    for (const auto& chart : pareto_charts(sweeps[i])) {
      out += fmt::format("<figure id=\"pareto_{}_{}\" style=\"margin:0\">{}</figure>", i, n++,
                         inline_svg(render_svg(chart)));
    }
    out += "</div>";
  }
  out += "<h2>Summary</h2>" + summary_table(runs) + "<h2>Effective configuration</h2>" + configs(runs);
  return out + "</body></html>\n";
}

std::optional<Error> write_report(const std::vector<std::filesystem::path>& dirs, const std::filesystem::path& html,
                                  const std::filesystem::path& png_dir) {
  std::vector<RunData> runs;
  std::vector<json> sweeps;
  for (const auto& dir : dirs) {
    auto loaded = load_runs(dir, sweeps);
    if (!loaded) return std::move(loaded.error());
    for (auto& run : *loaded) runs.push_back(std::move(run));
  }
  if (runs.empty()) return make_error(ErrorCode::kInvalidArgument, "no artifact directory given");
  try {
    exporting::write_file_atomically(html, render_html(runs, sweeps));
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kIo, e.what()).in_file(html.string());
  }
  if (png_dir.empty()) return std::nullopt;
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    int n = 0;
    for (const auto& chart : pareto_charts(sweeps[i])) {
      std::filesystem::create_directories(png_dir);
      if (auto e = write_png(render_svg(chart), png_dir / fmt::format("pareto_{}_{}.png", i, n++))) return e;
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(png_dir, ec);
  if (ec) return make_error(ErrorCode::kIo, ec.message()).in_file(png_dir.string());
  for (const auto& chart : report_charts(runs)) {
    if (auto e = write_png(render_svg(chart.spec), png_dir / (chart.id + ".png"))) return e;
  }
  return std::nullopt;
}

}  // namespace aiperf::report
