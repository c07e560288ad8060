#include "report/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include <fmt/format.h>

#include "export/collector_export.h"
#include "export/profile_export.h"
#include "report/png.h"
#include "report/server_side.h"
#include "report/testing/browser.h"
#include "report/testing/synthetic_run.h"
#include "support/test_support.h"

namespace aiperf::report {
namespace {

using aiperf::testing::TempDir;
using testing::console_clean;
using testing::has_data_points;
using testing::svgs;

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::vector<RunData> two_runs(const TempDir& dir, int requests) {
  const auto a = dir.path() / "run_a", b = dir.path() / "run_b";
  testing::write_synthetic_run(a, {requests, 40, 1});
  testing::write_synthetic_run(b, {requests, 60, 2});
  return {load_run(a).value(), load_run(b).value()};
}

TEST(RunDataTest, ReadsRecordsWithTimesRelativeToTheFirstSend) {
  TempDir dir;
  testing::write_synthetic_run(dir.path(), {20, 40, 1});
  auto run = load_run(dir.path());
  ASSERT_TRUE(run) << run.error().describe();
  ASSERT_EQ(run->requests.size(), 20u);
  EXPECT_DOUBLE_EQ(run->requests.front().start_s, 0);
  EXPECT_GT(run->requests.back().start_s, 0);
  EXPECT_EQ(run->values("time_to_first_token").size(), 20u);
  EXPECT_EQ(unit_of(*run, "time_to_first_token"), "ms");
  EXPECT_TRUE(run->aggregate.contains("input_config"));
}

TEST(RunDataTest, MissingExportIsAnErrorNamingTheFile) {
  TempDir dir;
  auto run = load_run(dir.path());
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().describe().find("profile_export_aiperf.json"), std::string::npos);
  aiperf::testing::write_file(dir.path() / "profile_export_aiperf.json", "{\"a\": ");
  EXPECT_EQ(load_run(dir.path()).error().code, ErrorCode::kMalformedInput);
}

TEST(ReportTest, EveryChartHasDataAndTheLegendNamesEachRun) {
  TempDir dir;
  auto runs = two_runs(dir, 200);
  const std::string html = render_html(runs);
  const auto charts = svgs(html);
  EXPECT_EQ(charts.size(), report_charts(runs).size());
  for (const auto& svg : charts) EXPECT_TRUE(has_data_points(svg)) << svg.substr(0, 300);
  EXPECT_NE(html.find(">run_a</text>"), std::string::npos);
  EXPECT_NE(html.find(">run_b</text>"), std::string::npos);
  EXPECT_NE(html.find(palette_colour(1)), std::string::npos);
  EXPECT_NE(html.find("Effective configuration"), std::string::npos);
  EXPECT_NE(html.find("time_to_first_token"), std::string::npos);
}

TEST(ReportTest, PageReferencesNothingOutsideTheFile) {
  TempDir dir;
  const std::string html = render_html(two_runs(dir, 50));
  // No attribute or style may point anywhere; the effective config (in <pre>) may quote the server URL.
  std::string outside_pre = std::regex_replace(html, std::regex("<pre>[^<]*</pre>"), "");
  EXPECT_EQ(outside_pre.find("://"), std::string::npos);
  EXPECT_EQ(count(html, "src="), 0u);
  EXPECT_EQ(count(html, "href="), 0u);
  EXPECT_EQ(count(html, "url("), 0u);
  EXPECT_EQ(count(html, "<script"), 0u);
}

TEST(ReportTest, TenThousandRequestRunStaysUnderTwoMegabytes) {
  TempDir dir;
  testing::write_synthetic_run(dir.path(), {10'000, 40, 3});
  auto run = load_run(dir.path()).value();
  const std::string html = render_html({run});
  EXPECT_LT(html.size(), 2u << 20);
  EXPECT_GT(count(html, "<circle"), 1000u);  // the scatter charts are sampled, not empty
}

// The <svg> inside <figure id="ID">, or "" when the page has no such figure.
std::string figure(const std::string& html, const std::string& id) {
  const auto at = html.find("<figure id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  return html.substr(at, html.find("</figure>", at) - at);
}

TEST(ServerSideTest, ReadsCollectorSeriesWithTimesAfterTheFirstScrape) {
  TempDir dir;
  testing::write_synthetic_run(dir.path(), {20, 40, 1});
  testing::write_synthetic_collectors(dir.path(), 7);
  auto run = load_run(dir.path());
  ASSERT_TRUE(run) << run.error().describe();
  const auto& running = run->server_metrics.series.at("vllm:num_requests_running{model_name=\"m\"}");
  ASSERT_EQ(running.points.size(), 7u);
  EXPECT_DOUBLE_EQ(running.points.front().first, 0);
  EXPECT_DOUBLE_EQ(running.points.back().first, 6);
  EXPECT_EQ(running.unit, "requests");
  EXPECT_EQ(run->gpu_telemetry.series.size(), 4u);  // two GPUs, power and utilisation
  EXPECT_TRUE(run->gpu_telemetry.document.contains("summary"));
}

TEST(ServerSideTest, SectionChartsGaugesAndGpusAndTabulatesHistogramsAndEnergy) {
  TempDir dir;
  testing::write_synthetic_run(dir.path() / "run_a", {50, 40, 1});
  testing::write_synthetic_collectors(dir.path() / "run_a", 9, 100);
  auto run = load_run(dir.path() / "run_a").value();
  const std::string html = render_html({run});
  EXPECT_NE(html.find("<h2>Server side</h2>"), std::string::npos);
  for (const char* id : {"server_vllm_num_requests_running_model_name__m__", "server_vllm_kv_cache_usage_perc_model_name__m__",
                         "gpu_power", "gpu_utilization"}) {
    const auto svg = figure(html, id);
    ASSERT_FALSE(svg.empty()) << id;
    EXPECT_TRUE(has_data_points(svg)) << id;
  }
  EXPECT_TRUE(figure(html, "server_vllm_generation_tokens_total_model_name__m__").empty()) << "counters are not charted";
  const auto power = figure(html, "gpu_power");
  EXPECT_EQ(count(power, "<path class=\"series\""), 2u);
  EXPECT_NE(power.find(">gpu 0</text>"), std::string::npos);
  EXPECT_NE(power.find(">gpu 1</text>"), std::string::npos);
  // Each GPU line passes through all 9 samples: M then 8 L.
  const auto path = power.substr(power.find("<path class=\"series\""));
  EXPECT_EQ(count(path.substr(0, path.find("/>")), "L"), 8u);
  const auto tables = html.substr(html.find("Server histograms"));
  EXPECT_NE(tables.find("vllm:time_to_first_token_seconds"), std::string::npos);
  EXPECT_NE(tables.find(fmt::format("<td>{}</td>", human_number(0.08))), std::string::npos);  // p90
  EXPECT_NE(tables.find("GPU energy"), std::string::npos);
  EXPECT_NE(tables.find(fmt::format("<td>{}</td>", human_number(2.3))), std::string::npos);  // J per output token
}

TEST(ServerSideTest, AbsentCollectorFilesGiveNoSection) {
  TempDir dir;
  auto runs = two_runs(dir, 30);
  EXPECT_FALSE(runs[0].server_metrics.present());
  const std::string html = render_html(runs);
  EXPECT_EQ(html.find("Server side"), std::string::npos);
  for (const auto& chart : report_charts(runs)) EXPECT_NE(chart.section, kServerSideSection) << chart.id;
}

TEST(ServerSideTest, OverlaysEveryRunAndNamesEachRunsGpus) {
  TempDir dir;
  auto runs = two_runs(dir, 30);
  testing::write_synthetic_collectors(runs[0].dir, 5, 100);
  testing::write_synthetic_collectors(runs[1].dir, 8, 200);
  runs = {load_run(runs[0].dir).value(), load_run(runs[1].dir).value()};
  const std::string html = render_html(runs);
  const auto running = figure(html, "server_vllm_num_requests_running_model_name__m__");
  EXPECT_EQ(count(running, "<path class=\"series\""), 2u);
  const auto power = figure(html, "gpu_power");
  EXPECT_EQ(count(power, "<path class=\"series\""), 4u);
  for (const char* label : {">run_a gpu 0<", ">run_a gpu 1<", ">run_b gpu 0<", ">run_b gpu 1<"}) {
    EXPECT_NE(power.find(label), std::string::npos) << label;
  }
}

TEST(ServerSideTest, MalformedTimeSeriesIsAnErrorNamingTheFileAndLine) {
  TempDir dir;
  testing::write_synthetic_run(dir.path(), {10, 40, 1});
  testing::write_synthetic_collectors(dir.path(), 3);
  std::ofstream(dir.path() / "server_metrics_timeseries.jsonl", std::ios::app) << "{\"metric\": \n";
  auto run = load_run(dir.path());
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().describe().find("server_metrics_timeseries.jsonl"), std::string::npos) << run.error().describe();
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The x (px) of the tick labelled `label` on the x axis of `svg` (tick labels sit below the plot).
double x_tick(const std::string& svg, const std::string& label) {
  std::smatch m;
  const std::regex tick("<text x=\"([0-9.]+)\" y=\"[0-9.]+\" text-anchor=\"middle\">" + label + "</text>");
  return std::regex_search(svg, m, tick) ? std::stod(m[1]) : -1;
}

// The x (px) where a step series first jumps: "H<x>V<y>" with y not the first point's.
double first_step_x(const std::string& svg) {
  std::smatch m;
  if (!std::regex_search(svg, m, std::regex("class=\"series\" d=\"M[0-9.]+ ([0-9.]+)"))) return -1;
  const std::string first_y = m[1];
  const std::regex step("H([0-9.]+)V([0-9.]+)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), step); it != std::sregex_iterator(); ++it) {
    if ((*it)[2] != first_y) return std::stod((*it)[1]);
  }
  return -1;
}

TEST(TimeAxisTest, ServerGaugeStepLandsAtTheClientTimeItHappened) {
  TempDir dir;
  testing::write_synthetic_run(dir.path(), {40, 40, 1});
  // The phase began 0.25 s before the first send; the first scrape came 0.5 s after the phase start.
  constexpr int64_t kSecond = 1'000'000'000;
  const int64_t phase_start = testing::kFirstSendNs - kSecond / 4;
  auto doc = nlohmann::json::parse(read_text(dir.path() / "profile_export_aiperf.json"));
  doc["profiling_start_ns"] = phase_start;
  aiperf::testing::write_file(dir.path() / "profile_export_aiperf.json", doc.dump());
  const double step_at = 2.0;  // s after the phase start, on the client's clock
  CollectorResult server;
  CollectorSeries running{"vllm:num_requests_running", "requests", {}};
  for (int i = 1; i <= 8; ++i) {
    const int64_t t = phase_start + i * kSecond / 2;
    running.points.emplace_back(t, t < phase_start + int64_t(step_at * kSecond) ? 0.0 : 5.0);
  }
  server.series = {running};
  server.stats = {{running.name, "Requests running", "requests", "gauge", {{"avg", 2}}}};
  exporting::write_collector_artifacts(dir.path(), {{"server_metrics", "profiling", server, {}, 8, 1}});
  auto run = load_run(dir.path()).value();
  ASSERT_EQ(run.origin_ns, phase_start);
  EXPECT_DOUBLE_EQ(run.requests.front().start_s, 0.25);  // the client's points: from the phase start too
  ASSERT_EQ(run.server_metrics.series.at(running.name).points.front().first, 0.5);
  int server_charts = 0;
  for (const auto& chart : report_charts({run})) {
    if (chart.section != kServerSideSection) continue;
    ++server_charts;
    EXPECT_EQ(chart.spec.x_label, kTimeAxis);
    const std::string svg = render_svg(chart.spec);
    const double tick = x_tick(svg, human_number(step_at));
    ASSERT_GT(tick, 0) << svg;
    EXPECT_NEAR(first_step_x(svg), tick, 0.05) << svg;  // the jump is drawn at the "2" tick
  }
  EXPECT_EQ(server_charts, 1);
  for (const auto& chart : report_charts({run})) {
    if (chart.id == "ttft_by_send_time") {
      EXPECT_EQ(chart.spec.series.front().points.front().first, 0.25);
    }
  }
}

TEST(TimeAxisTest, SliceChartReadsTheMainExportsTimeslicesAndSkipsMalformedOnes) {
  TempDir dir;
  testing::write_synthetic_run(dir.path(), {20, 40, 1});
  auto doc = nlohmann::json::parse(read_text(dir.path() / "profile_export_aiperf.json"));
  doc["timeslices"] = nlohmann::json::array(
      {{{"timeslice_index", 0}, {"start_sec", 0.0}, {"time_to_first_token", {{"p50", 41.0}, {"p99", 60.0}}}},
       {{"timeslice_index", 1}, {"start_sec", "one"}, {"time_to_first_token", 3}},
       42,
       {{"timeslice_index", 3}, {"start_sec", 3.0}, {"time_to_first_token", {{"p50", 43.0}, {"p99", 70.0}}}}});
  aiperf::testing::write_file(dir.path() / "profile_export_aiperf.json", doc.dump());
  auto run = load_run(dir.path()).value();
  const auto charts = report_charts({run});
  const auto it = std::find_if(charts.begin(), charts.end(), [](const NamedChart& c) { return c.id == "ttft_per_slice"; });
  ASSERT_NE(it, charts.end());
  ASSERT_EQ(it->spec.series.size(), 2u);  // p50 and p99
  const std::vector<std::pair<double, double>> p50 = {{0.0, 41.0}, {3.0, 43.0}};
  EXPECT_EQ(it->spec.series[0].points, p50);
}

TEST(PngTest, ChartsDecodeWithTheirSize) {
  TempDir dir;
  auto runs = two_runs(dir, 100);
  for (const auto& chart : report_charts(runs)) {
    const auto file = dir.path() / (chart.id + ".png");
    auto error = write_png(render_svg(chart.spec), file);
    ASSERT_FALSE(error) << error->describe();
    auto size = png_size(file);
    ASSERT_TRUE(size) << size.error().describe();
    EXPECT_EQ(size->first, chart.spec.width) << chart.id;
    EXPECT_EQ(size->second, chart.spec.height) << chart.id;
    auto ink = png_ink(file).value();
    EXPECT_GT(ink.first, 0.01) << chart.id;  // axes, text and data, not a blank page
  }
  EXPECT_FALSE(png_size(dir.path() / "run_a" / "profile_export_aiperf.json"));
}

TEST(ReportBrowserTest, RendersInHeadlessChromiumWithoutConsoleErrors) {
  if (!testing::have_chromium()) GTEST_SKIP() << "chromium is not installed";
  TempDir dir;
  auto runs = two_runs(dir, 300);
  const auto html = dir.path() / "report.html";
  aiperf::testing::write_file(html, render_html(runs));
  auto r = testing::open_in_chromium(html, dir.path());
  ASSERT_EQ(r.shot.exit_code, 0) << r.shot.err;
  EXPECT_TRUE(console_clean(r.shot)) << r.shot.err;
  EXPECT_TRUE(console_clean(r.dom)) << r.dom.err;
  auto ink = png_ink(dir.path() / "shot.png");
  ASSERT_TRUE(ink) << ink.error().describe();
  EXPECT_GT(ink->first, 0.05);
  EXPECT_GT(ink->second, 8u);  // palette colours, greys and anti-aliasing, not one flat colour
  const auto rendered = svgs(r.dom.out);
  EXPECT_EQ(rendered.size(), report_charts(runs).size());
  for (const auto& svg : rendered) EXPECT_TRUE(has_data_points(svg)) << svg.substr(0, 300);
}

TEST(ReportBrowserTest, ConsoleCheckCatchesAnExternalReference) {
  if (!testing::have_chromium()) GTEST_SKIP() << "chromium is not installed";
  TempDir dir;
  auto runs = two_runs(dir, 20);
  std::string page = render_html(runs);
  page.insert(page.find("</body>"), "<img src=\"http://127.0.0.1:9/x.png\">");
  const auto html = dir.path() / "bad.html";
  aiperf::testing::write_file(html, page);
  auto r = testing::open_in_chromium(html, dir.path());
  EXPECT_FALSE(console_clean(r.shot)) << "the page's policy must refuse, and log, any outside reference";
}

}  // namespace
}  // namespace aiperf::report
