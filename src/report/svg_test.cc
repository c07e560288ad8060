#include "report/svg.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace aiperf::report {
namespace {

// A chart with one of each series kind on fixed points; its SVG is compared byte for byte
// with testdata/golden_chart.svg (regenerate with AIPERF_UPDATE_GOLDEN=1 after a deliberate change).
ChartSpec fixed_chart() {
  ChartSpec c;
  c.title = "Golden <chart> & co";
  c.x_label = "time (s)";
  c.y_label = "latency (ms)";
  c.series.push_back({"line", palette_colour(0), SeriesKind::kLine, {{0, 1}, {1, 3}, {2, 2.5}, {3, 7}}});
  c.series.push_back({"step", palette_colour(1), SeriesKind::kStep, {{0, 2}, {1.5, 4}, {3, 1}}});
  c.series.push_back({"points", palette_colour(2), SeriesKind::kScatter, {{0.5, 5}, {2.5, 6.25}}});
  return c;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SvgTest, FixedChartMatchesGoldenFile) {
  const std::string golden = std::string(AIPERF_REPORT_TESTDATA) + "/golden_chart.svg";
  const std::string svg = render_svg(fixed_chart());
  if (std::getenv("AIPERF_UPDATE_GOLDEN")) std::ofstream(golden) << svg;
  EXPECT_EQ(svg, slurp(golden));
}

TEST(SvgTest, EscapesTextAndDrawsEverySeries) {
  const std::string svg = render_svg(fixed_chart());
  EXPECT_NE(svg.find("Golden &lt;chart&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(svg.find("<chart>"), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#0072B2\""), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#E69F00\""), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#009E73\""), std::string::npos);
  std::size_t circles = 0;
  for (auto at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1)) ++circles;
  EXPECT_EQ(circles, 2u);
}

TEST(SvgTest, ChartWithoutPointsSaysNoData) {
  ChartSpec c;
  c.title = "empty";
  EXPECT_NE(render_svg(c).find("no data"), std::string::npos);
}

TEST(SvgTest, BarsGetOneRectPerCategoryAndSeries) {
  ChartSpec c;
  c.categories = {"http_status", "timeout"};
  c.series.push_back({"a", palette_colour(0), SeriesKind::kBars, {{0, 3}, {1, 1}}});
  c.series.push_back({"b", palette_colour(1), SeriesKind::kBars, {{0, 0}, {1, 2}}});
  const std::string svg = render_svg(c);
  std::size_t rects = 0;
  for (auto at = svg.find("<rect class=\"pt\""); at != std::string::npos; at = svg.find("<rect class=\"pt\"", at + 1)) {
    ++rects;
  }
  EXPECT_EQ(rects, 4u);
  EXPECT_NE(svg.find(">timeout</text>"), std::string::npos);
}

TEST(SvgTest, NiceTicksCoverTheRangeInRoundSteps) {
  auto ticks = nice_ticks(0.3, 9.7, 5);
  ASSERT_GE(ticks.size(), 2u);
  EXPECT_LE(ticks.front(), 0.3);
  EXPECT_GE(ticks.back(), 9.7);
  EXPECT_DOUBLE_EQ(ticks[1] - ticks[0], 2.0);
  auto flat = nice_ticks(5, 5, 5);
  EXPECT_LT(flat.front(), flat.back());
}

TEST(SvgTest, HumanNumbersUseThreeDigitsAndSuffixes) {
  EXPECT_EQ(human_number(0), "0");
  EXPECT_EQ(human_number(12), "12");
  EXPECT_EQ(human_number(0.034219), "0.0342");
  EXPECT_EQ(human_number(1500), "1500");
  EXPECT_EQ(human_number(12500), "12.5k");
  EXPECT_EQ(human_number(3'250'000), "3.25M");
}

}  // namespace
}  // namespace aiperf::report
