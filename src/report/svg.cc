#include "report/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace aiperf::report {
namespace {

// Plot area inside the chart: room for the title and legend above, tick labels and axis labels around.
struct Frame {
  double left = 64, top = 56, right, bottom;
  double x0, x1, y0, y1;  // data domain
  double px(double x) const { return left + (x - x0) / (x1 - x0) * (right - left); }
  double py(double y) const { return bottom - (y - y0) / (y1 - y0) * (bottom - top); }
};

struct Bounds {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = 0, y_hi = -std::numeric_limits<double>::infinity();  // y always includes 0
  bool any = false;
};

Bounds bounds_of(const ChartSpec& chart) {
  Bounds b;
  for (const auto& s : chart.series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      b.any = true;
      b.x_lo = std::min(b.x_lo, x), b.x_hi = std::max(b.x_hi, x);
      b.y_lo = std::min(b.y_lo, y), b.y_hi = std::max(b.y_hi, y);
    }
  }
  if (!chart.categories.empty()) b.x_lo = -0.5, b.x_hi = static_cast<double>(chart.categories.size()) - 0.5;
  return b;
}

std::string num(double v) { return fmt::format("{:.1f}", v); }

std::string axes(const ChartSpec& chart, Frame& f, const Bounds& b) {
  std::string out;
  auto y_ticks = nice_ticks(b.y_lo, b.y_hi, 5);
  f.y0 = y_ticks.front(), f.y1 = y_ticks.back();
  std::vector<double> x_ticks;
  if (chart.categories.empty()) {
    x_ticks = nice_ticks(b.x_lo, b.x_hi, 6);
    f.x0 = x_ticks.front(), f.x1 = x_ticks.back();
  } else {
    f.x0 = b.x_lo, f.x1 = b.x_hi;
  }
  for (double t : y_ticks) {
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#ddd\"/>", num(f.left), num(f.right),
                       num(f.py(t)), num(f.py(t)));
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", num(f.left - 6), num(f.py(t) + 4),
                       human_number(t));
  }
  for (double t : x_ticks) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", num(f.px(t)), num(f.bottom + 16),
                       human_number(t));
  }
  for (std::size_t i = 0; i < chart.categories.size(); ++i) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", num(f.px(double(i))),
                       num(f.bottom + 16), escape_xml(chart.categories[i]));
  }
  out += fmt::format("<path d=\"M{} {}V{}H{}\" fill=\"none\" stroke=\"#333\"/>", num(f.left), num(f.top),
                     num(f.bottom), num(f.right));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", num((f.left + f.right) / 2),
                     num(f.bottom + 36), escape_xml(chart.x_label));
  out += fmt::format("<text transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
                     num((f.top + f.bottom) / 2), escape_xml(chart.y_label));
  return out;
}

std::string path_series(const Series& s, const Frame& f) {
  std::string d;
  bool first = true;
  for (const auto& [x, y] : s.points) {
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    if (first) {
      d += fmt::format("M{} {}", num(f.px(x)), num(f.py(y)));
    } else if (s.kind == SeriesKind::kStep) {
      d += fmt::format("H{}V{}", num(f.px(x)), num(f.py(y)));
    } else {
      d += fmt::format("L{} {}", num(f.px(x)), num(f.py(y)));
    }
    first = false;
  }
  return fmt::format("<path class=\"series\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\"/>", d,
                     s.colour);
}

std::string scatter_series(const Series& s, const Frame& f) {
  std::string out = fmt::format("<g class=\"series\" fill=\"{}\" fill-opacity=\"0.6\">", s.colour);
  for (const auto& [x, y] : s.points) {
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    out += fmt::format("<circle class=\"pt\" cx=\"{}\" cy=\"{}\" r=\"2\"/>", num(f.px(x)), num(f.py(y)));
  }
  return out + "</g>";
}

// Bar series side by side within each category slot.
std::string bar_series(const Series& s, std::size_t index, std::size_t count, const Frame& f) {
  const double slot = (f.px(1) - f.px(0)) * 0.8 / static_cast<double>(count);
  std::string out = fmt::format("<g class=\"series\" fill=\"{}\">", s.colour);
  for (const auto& [x, y] : s.points) {
    const double left = f.px(x) - slot * static_cast<double>(count) / 2 + slot * static_cast<double>(index);
    out += fmt::format("<rect class=\"pt\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>", num(left), num(f.py(y)),
                       num(slot), num(f.py(0) - f.py(y)));
  }
  return out + "</g>";
}

std::string legend(const ChartSpec& chart, const Frame& f) {
  std::string out;
  double x = f.left;
  for (const auto& s : chart.series) {
    if (s.label.empty()) continue;
    out += fmt::format("<rect x=\"{}\" y=\"32\" width=\"12\" height=\"12\" fill=\"{}\"/>", num(x), s.colour);
    out += fmt::format("<text x=\"{}\" y=\"42\">{}</text>", num(x + 16), escape_xml(s.label));
    x += 28 + 6.5 * static_cast<double>(s.label.size());
  }
  return out;
}

}  // namespace

const char* palette_colour(std::size_t i) { return kPalette[i % std::size(kPalette)]; }

std::string render_svg(const ChartSpec& chart) {
  Frame f;
  f.right = chart.width - 16.0;
  f.bottom = chart.height - 48.0;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\"><rect width=\"{0}\" height=\"{1}\" fill=\"#fff\"/>"
      "<text x=\"{2}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{3}</text>",
      chart.width, chart.height, num(f.left), escape_xml(chart.title));
  const Bounds b = bounds_of(chart);
  if (!b.any) {
    return out + fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">no data</text></svg>",
                             chart.width / 2, chart.height / 2);
  }
  out += axes(chart, f, b);
  std::size_t bars = 0, bar_index = 0;
  for (const auto& s : chart.series) bars += s.kind == SeriesKind::kBars;
  for (const auto& s : chart.series) {
    if (s.kind == SeriesKind::kScatter) {
      out += scatter_series(s, f);
    } else if (s.kind == SeriesKind::kBars) {
      out += bar_series(s, bar_index++, bars, f);
    } else {
      out += path_series(s, f);
    }
  }
  return out + legend(chart, f) + "</svg>";
}

std::string human_number(double value) {
  const double a = std::fabs(value);
  if (a >= 1e9) return fmt::format("{:.3g}G", value / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", value / 1e6);
  if (a >= 1e4) return fmt::format("{:.3g}k", value / 1e3);
  if (a >= 1e3) return fmt::format("{:.0f}", value);
  if (a < 1e-12) return "0";
  return fmt::format("{:.3g}", value);
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + (lo == 0 ? 1 : std::fabs(lo) * 0.1);
  const double raw = (hi - lo) / std::max(1, target);
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const double first = std::floor(lo / step + 1e-9);
  const double last = std::ceil(hi / step - 1e-9);
  std::vector<double> ticks;
  for (double i = first; i <= last; ++i) {
    const double t = i * step;
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  }
  if (ticks.size() < 2) ticks.push_back(ticks.back() + step);
  return ticks;
}

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace aiperf::report
