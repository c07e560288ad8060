#include "report/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "export/atomic_file.h"

namespace aiperf::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxSweepValues = 1000;

// (tag, stat) pairs of a summary row, in column order.
constexpr std::pair<const char*, const char*> kColumns[] = {
    {"request_throughput", "avg"},       {"output_token_throughput", "avg"},
    {"output_token_throughput_per_user", "avg"}, {"time_to_first_token", "p50"},
    {"time_to_first_token", "p99"},      {"inter_token_latency", "avg"},
    {"request_latency", "p99"},          {"error_request_count", "avg"}};

std::optional<double> number(std::string_view text) {
  try {
    std::size_t used = 0;
    double v = std::stod(std::string(text), &used);
    if (used != text.size() || !std::isfinite(v)) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Expected<std::vector<double>> range_values(std::string_view text) {
  auto bad = [&](std::string why) {
    return fail(make_error(ErrorCode::kInvalidArgument, fmt::format("'{}': {}", text, why)).about("sweep"));
  };
  const auto a = text.find(':'), b = text.rfind(':');
  if (a == b) return bad("a range is START:END:STEP or START:END:xFACTOR");
  auto start = number(text.substr(0, a)), end = number(text.substr(a + 1, b - a - 1));
  std::string_view step_text = text.substr(b + 1);
  const bool geometric = !step_text.empty() && step_text[0] == 'x';
  auto step = number(geometric ? step_text.substr(1) : step_text);
  if (!start || !end || !step) return bad("START, END and STEP must be numbers");
  if (*start > *end || *start <= 0) return bad("need 0 < START <= END");
  if (geometric ? *step <= 1 : *step <= 0) return bad(geometric ? "the factor must exceed 1" : "the step must exceed 0");
  std::vector<double> values;
  for (double v = *start; v <= *end * (1 + 1e-9) && values.size() <= kMaxSweepValues;
       v = geometric ? v * *step : *start + *step * double(values.size())) {
    values.push_back(v);
  }
  if (values.size() > kMaxSweepValues) return bad(fmt::format("more than {} values", kMaxSweepValues));
  return values;
}

}  // namespace

Expected<std::vector<double>> parse_sweep_values(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return range_values(text);
  std::vector<double> values;
  std::size_t from = 0;
  while (from <= text.size()) {
    const auto comma = std::min(text.find(',', from), text.size());
    auto v = number(text.substr(from, comma - from));
    if (!v || *v <= 0) {
      return fail(make_error(ErrorCode::kInvalidArgument, fmt::format("'{}': values must be positive numbers", text))
                      .about("sweep"));
    }
    values.push_back(*v);
    from = comma + 1;
  }
  return values;
}

std::string sweep_value_text(double value) { return fmt::format("{:g}", value); }

Expected<StopCondition> parse_stop_condition(std::string_view text) {
  StopCondition c;
  c.text = std::string(text);
  const auto colon = text.find(':');
  const auto op = text.find_first_of("<>");
  auto limit = op == std::string_view::npos ? std::nullopt : number(text.substr(op + 1));
  if (colon == std::string_view::npos || op == std::string_view::npos || op < colon || colon == 0 || !limit) {
    return fail(make_error(ErrorCode::kInvalidArgument,
                           fmt::format("'{}': expected TAG:STAT>LIMIT or TAG:STAT<LIMIT, e.g. "
                                       "time_to_first_token:p99>500",
                                       text))
                    .about("--sweep-stop-on"));
  }
  c.tag = std::string(text.substr(0, colon));
  c.stat = std::string(text.substr(colon + 1, op - colon - 1));
  c.greater = text[op] == '>';
  c.limit = *limit;
  return c;
}

bool stop_condition_met(const StopCondition& c, const json& aggregate) {
  const auto metric = aggregate.find(c.tag);
  if (metric == aggregate.end() || !metric->is_object()) return false;
  const auto stat = metric->find(c.stat);
  if (stat == metric->end() || !stat->is_number()) return false;
  const double v = stat->get<double>();
  return c.greater ? v > c.limit : v < c.limit;
}

json sweep_row(const std::string& parameter, double value, const json& aggregate) {
  json row = {{parameter, value}};
  for (const auto& [tag, stat] : kColumns) {
    const auto metric = aggregate.find(tag);
    const bool present = metric != aggregate.end() && metric->is_object() && metric->contains(stat);
    row[fmt::format("{}_{}", tag, stat)] = present ? (*metric)[stat] : json(nullptr);
  }
  return row;
}

std::optional<Error> write_sweep_summary(const std::filesystem::path& dir, const json& summary) {
  const std::string parameter = summary.value("parameter", "value");
  std::string csv = parameter;
  for (const auto& [tag, stat] : kColumns) csv += fmt::format(",{}_{}", tag, stat);
  csv += "\n";
  for (const auto& row : summary.value("runs", json::array())) {
    csv += sweep_value_text(row.value(parameter, 0.0));
    for (const auto& [tag, stat] : kColumns) {
      const auto& v = row.value(fmt::format("{}_{}", tag, stat), json(nullptr));
      csv += v.is_number() ? fmt::format(",{:.4f}", v.get<double>()) : ",";
    }
    csv += "\n";
  }
  try {
    exporting::write_file_atomically(dir / "sweep_summary.json", summary.dump(2) + "\n");
    exporting::write_file_atomically(dir / "sweep_summary.csv", csv);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kIo, e.what()).in_file((dir / "sweep_summary.json").string());
  }
  return std::nullopt;
}

std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& points, bool maximise_x,
                                      bool maximise_y) {
  auto better_or_equal = [](double a, double b, bool maximise) { return maximise ? a >= b : a <= b; };
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < points.size() && !dominated; ++j) {
      if (j == i || points[j] == points[i]) continue;
      dominated = better_or_equal(points[j].first, points[i].first, maximise_x) &&
                  better_or_equal(points[j].second, points[i].second, maximise_y);
    }
    if (!dominated) front.push_back(i);
  }
  return front;
}

namespace {

ChartSpec pareto_chart(const json& summary, const char* title, const char* x_key, const char* x_label, bool max_x,
                       const char* y_key, const char* y_label, bool max_y) {
  ChartSpec c;
  c.title = title, c.x_label = x_label, c.y_label = y_label;
  std::vector<std::pair<double, double>> points;
  for (const auto& row : summary.value("runs", json::array())) {
    const auto& x = row.value(x_key, json(nullptr));
    const auto& y = row.value(y_key, json(nullptr));
    if (x.is_number() && y.is_number()) points.emplace_back(x.get<double>(), y.get<double>());
  }
  Series all{fmt::format("{} runs ({})", points.size(), summary.value("parameter", "value")), palette_colour(0),
             SeriesKind::kScatter, points};
  Series front{"Pareto-optimal", palette_colour(3), SeriesKind::kLine, {}};
  for (auto i : pareto_front(points, max_x, max_y)) front.points.push_back(points[i]);
  std::sort(front.points.begin(), front.points.end());
  Series marks{"", palette_colour(3), SeriesKind::kScatter, front.points};
  c.series = {std::move(front), std::move(all), std::move(marks)};
  return c;
}

}  // namespace

std::vector<ChartSpec> pareto_charts(const json& summary) {
  return {pareto_chart(summary, "Throughput per user against total throughput",
                       "output_token_throughput_per_user_avg", "output tokens/s per user", true,
                       "output_token_throughput_avg", "total output tokens/s", true),
          pareto_chart(summary, "TTFT p99 against request throughput", "request_throughput_avg",
                       "request throughput (requests/s)", true, "time_to_first_token_p99", "TTFT p99 (ms)", false)};
}

}  // namespace aiperf::report
