#include "dataset/internal/trace_formats.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>

#include "dataset/internal/dataset_error.h"

namespace aiperf::dataset::internal {
namespace {

using nlohmann::json;

// A trace's output length: 0 (BurstGPT's failed requests) still sends the smallest request.
json output_length(int64_t tokens) { return std::max<int64_t>(tokens, 1); }

json timestamp_ms(double seconds, const std::string& where, std::string_view name) {
  if (!std::isfinite(seconds) || seconds < 0) {
    throw DatasetError(where + "'" + std::string(name) + "' must be a non-negative number of seconds");
  }
  return seconds * 1000;
}

// Fields of one CSV line: commas separate, double quotes enclose ("" is a quote), spaces trimmed.
std::vector<std::string> csv_fields(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      out.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  for (auto& f : out) {
    const auto first = f.find_first_not_of(" \t\r");
    f = first == std::string::npos ? "" : f.substr(first, f.find_last_not_of(" \t\r") - first + 1);
  }
  return out;
}

template <class T>
T number(const std::string& text, const std::string& where, std::string_view column) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw DatasetError(where + "'" + std::string(column) + "' must be a number, got '" + text + "'");
  }
  return value;
}

}  // namespace

json bailian_record(const json& line, const std::string& where) {
  json out = json::object();
  const auto ts = line.find("timestamp");
  if (ts == line.end() || !ts->is_number()) throw DatasetError(where + "a bailian_trace record needs a numeric 'timestamp' (s)");
  out["timestamp"] = timestamp_ms(ts->get<double>(), where, "timestamp");
  if (!line.contains("input_length")) throw DatasetError(where + "a bailian_trace record needs 'input_length'");
  out["input_length"] = line["input_length"];
  if (auto o = line.find("output_length"); o != line.end()) {
    if (!o->is_number_integer() || o->get<int64_t>() < 0) {
      throw DatasetError(where + "'output_length' must be a non-negative integer, got " + o->dump());
    }
    out["output_length"] = output_length(o->get<int64_t>());
  }
  if (auto h = line.find("hash_ids"); h != line.end()) out["hash_ids"] = *h;
  return out;
}

std::vector<std::pair<std::size_t, json>> read_burst_gpt(const std::filesystem::path& file, std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::size_t number_of_line = 0;
  std::optional<std::size_t> ts, request, response;
  std::size_t columns = 0;
  std::vector<std::pair<std::size_t, json>> out;
  while (std::getline(in, line)) {
    ++number_of_line;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(number_of_line) + ": ";
    const auto fields = csv_fields(line);
    if (!ts) {  // the header
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (fields[i] == "Timestamp") ts = i;
        if (fields[i] == "Request tokens") request = i;
        if (fields[i] == "Response tokens") response = i;
      }
      if (!ts || !request || !response) {
        throw DatasetError(where + "a burst_gpt_trace header needs the columns Timestamp, Request tokens and "
                                   "Response tokens");
      }
      columns = fields.size();
      continue;
    }
    if (fields.size() != columns) {
      throw DatasetError(where + "has " + std::to_string(fields.size()) + " fields; the header has " +
                         std::to_string(columns));
    }
    const auto in_tokens = number<int64_t>(fields[*request], where, "Request tokens");
    const auto out_tokens = number<int64_t>(fields[*response], where, "Response tokens");
    if (in_tokens < 1) throw DatasetError(where + "'Request tokens' must be a positive integer");
    if (out_tokens < 0) throw DatasetError(where + "'Response tokens' must not be negative");
    out.emplace_back(number_of_line, json{{"timestamp", timestamp_ms(number<double>(fields[*ts], where, "Timestamp"),
                                                                     where, "Timestamp")},
                                          {"input_length", in_tokens},
                                          {"output_length", output_length(out_tokens)}});
  }
  if (!ts) throw DatasetError(file.string() + ":1: a burst_gpt_trace file starts with a header line");
  return out;
}

}  // namespace aiperf::dataset::internal
