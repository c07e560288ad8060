// A small SVG chart builder: lines, steps, scatter and bars on linear axes with
// ticks, units and a legend, as one self-contained <svg> element (no fonts, no
// scripts, no external references), so the HTML report and the PNG renderer
// share the exact same drawing.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace aiperf::report {

/// Okabe & Ito's colour-blind-safe palette (blue first; yellow late, as it is faint on white).
inline constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                           "#CC79A7", "#56B4E9", "#000000", "#F0E442"};
/// The palette colour of the i-th run (cycles).
const char* palette_colour(std::size_t i);

/// How a series is drawn.
enum class SeriesKind { kLine, kStep, kScatter, kBars };

/// One labelled set of (x, y) points.
struct Series {
  std::string label;   ///< Legend text ("" keeps it out of the legend).
  std::string colour;  ///< CSS colour.
  SeriesKind kind = SeriesKind::kLine;
  std::vector<std::pair<double, double>> points;
};

/// Everything one chart shows.
struct ChartSpec {
  std::string title;
  std::string x_label;  ///< With its unit, e.g. "time since start (s)".
  std::string y_label;  ///< With its unit.
  std::vector<Series> series;
  /// Bars only: the category name of each x = 0, 1, 2, ...
  std::vector<std::string> categories;
  int width = 640;
  int height = 360;
};

/// The chart as an <svg> element; a chart without points says "no data".
std::string render_svg(const ChartSpec& chart);

/// A number formatted for people: 3 significant digits, thousands as k/M ("1.25k", "0.0342", "12").
std::string human_number(double value);

/// "Nice" tick positions (1, 2, 5 x 10^k steps) covering [lo, hi], about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target);

/// Text escaped for XML/HTML content and attribute values.
std::string escape_xml(const std::string& text);

}  // namespace aiperf::report
