#include "collectors/exposition.h"

#include <charconv>
#include <cmath>
#include <unordered_map>

namespace aiperf::collectors {
namespace {

constexpr std::string_view kSuffixes[] = {"_bucket", "_count", "_sum", "_total", "_created", "_gcount", "_gsum", "_info"};

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }
bool label_start(char c) { return name_start(c) && c != ':'; }
bool label_char(char c) { return name_char(c) && c != ':'; }
bool blank(char c) { return c == ' ' || c == '\t'; }

// A sample suffix that `type` allows after the family name.
bool type_allows(MetricType type, std::string_view suffix) {
  switch (type) {
    case MetricType::kCounter: return suffix == "_total" || suffix == "_created";
    case MetricType::kHistogram: return suffix == "_bucket" || suffix == "_count" || suffix == "_sum" || suffix == "_created";
    case MetricType::kGaugeHistogram: return suffix == "_bucket" || suffix == "_gcount" || suffix == "_gsum";
    case MetricType::kSummary: return suffix == "_count" || suffix == "_sum" || suffix == "_created";
    case MetricType::kInfo: return suffix == "_info";
    default: return false;
  }
}

std::optional<MetricType> parse_type(std::string_view word, bool om) {
  if (word == "counter") return MetricType::kCounter;
  if (word == "gauge") return MetricType::kGauge;
  if (word == "histogram") return MetricType::kHistogram;
  if (word == "summary") return MetricType::kSummary;
  if (!om && word == "untyped") return MetricType::kUnknown;
  if (om && word == "unknown") return MetricType::kUnknown;
  if (om && word == "gaugehistogram") return MetricType::kGaugeHistogram;
  if (om && word == "stateset") return MetricType::kStateSet;
  if (om && word == "info") return MetricType::kInfo;
  return std::nullopt;
}

// Go's ParseFloat accepts a sign, decimal or hex digits, Inf and NaN; from_chars is close enough.
std::optional<double> parse_double(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') negative = s[0] == '-', s.remove_prefix(1);
  if (s.empty() || s[0] == '+' || s[0] == '-') return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    if (ec == std::errc::result_out_of_range && end == s.data() + s.size()) return negative ? -HUGE_VAL : HUGE_VAL;
    return std::nullopt;
  }
  return negative ? -v : v;
}

class Parser {
 public:
  Parser(std::string_view text, bool om) : text_(text), om_(om) { out_.openmetrics = om; }

  Expected<Exposition> run() {
    bool eof = false;
    while (pos_ < text_.size()) {
      if (eof) return fail(error("content after # EOF"));
      std::size_t end = text_.find('\n', pos_);
      if (end == std::string_view::npos) end = text_.size();
      line_ = text_.substr(pos_, end - pos_);
      at_ = 0;
      std::optional<Error> e;
      if (line_.empty()) {
        if (om_) e = error("empty line");
      } else if (line_[0] == '#') {
        if (om_ && line_ == "# EOF") eof = true;
        else e = descriptor();
      } else {
        e = sample_line();
      }
      if (e) return fail(std::move(*e));
      pos_ = end + 1;
      ++line_no_;
    }
    if (om_ && !eof) {
      if (!text_.empty() && text_.back() != '\n') --line_no_, at_ = line_.size();  // at the end of the last line
      else at_ = 0;
      return fail(error("missing # EOF at the end"));
    }
    return std::move(out_);
  }

 private:
  Error error(std::string message) const {
    return make_error(ErrorCode::kMalformedInput, std::move(message))
        .in_file("exposition", line_no_, static_cast<int>(at_) + 1);
  }
  char peek() const { return at_ < line_.size() ? line_[at_] : '\0'; }
  bool done() const { return at_ >= line_.size(); }
  void skip_blanks() {
    while (!done() && blank(line_[at_])) ++at_;
  }
  // Prometheus allows runs of blanks between tokens; OpenMetrics exactly one space.
  bool separator() {
    if (om_) return peek() == ' ' ? (++at_, true) : false;
    if (!blank(peek())) return false;
    skip_blanks();
    return true;
  }
  std::string_view word() {
    std::size_t start = at_;
    while (!done() && !blank(line_[at_])) ++at_;
    return line_.substr(start, at_ - start);
  }
  std::optional<std::string_view> metric_name() {
    std::size_t start = at_;
    if (!name_start(peek())) return std::nullopt;
    while (!done() && name_char(line_[at_])) ++at_;
    return line_.substr(start, at_ - start);
  }

  std::optional<Error> descriptor();
  std::optional<Error> metadata(std::string_view keyword, std::string_view name);
  std::optional<Error> sample_line();
  std::optional<Error> labels(Sample& sample);
  std::optional<Error> label_value(std::string& value);
  std::optional<Error> value_and_timestamp(Sample& sample);
  std::optional<Error> exemplar();
  std::optional<Error> place(Sample&& sample);
  MetricFamily& family(std::string_view name);

  std::string_view text_;
  bool om_;
  std::size_t pos_ = 0;
  int line_no_ = 1;
  std::string_view line_;
  std::size_t at_ = 0;
  Exposition out_;
  std::unordered_map<std::string, std::size_t> index_;  // family name -> position in out_.families
  std::unordered_map<std::string, int> described_;      // "TYPE name" etc. -> seen
  std::optional<std::size_t> current_;                  // family of the previous sample
};

MetricFamily& Parser::family(std::string_view name) {
  auto [it, added] = index_.try_emplace(std::string(name), out_.families.size());
  if (added) out_.families.push_back(MetricFamily{std::string(name), MetricType::kUnknown, {}, {}, {}});
  return out_.families[it->second];
}

std::optional<Error> Parser::descriptor() {
  ++at_;  // '#'
  if (!blank(peek())) return om_ ? std::optional(error("expected a space after #")) : std::nullopt;
  if (om_) ++at_;
  else skip_blanks();
  std::string_view keyword = word();
  bool known = keyword == "HELP" || keyword == "TYPE" || (om_ && keyword == "UNIT");
  if (!known) return om_ ? std::optional(error("unknown descriptor '" + std::string(keyword) + "'")) : std::nullopt;
  if (!separator()) return error("expected a metric name after " + std::string(keyword));
  auto name = metric_name();
  if (!name) return error("invalid metric name");
  return metadata(keyword, *name);
}

std::optional<Error> Parser::metadata(std::string_view keyword, std::string_view name) {
  std::string key = std::string(keyword) + " " + std::string(name);
  if (described_[key]++ > 0) return error("second " + std::string(keyword) + " line for " + std::string(name));
  MetricFamily& f = family(name);
  if (!done() && !separator()) return error("expected a space after the metric name");
  std::string_view rest = line_.substr(at_);
  if (keyword == "HELP") {
    std::string help;
    for (std::size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size() && (rest[i + 1] == '\\' || rest[i + 1] == 'n' || (om_ && rest[i + 1] == '"'))) {
        ++i;
        help.push_back(rest[i] == 'n' ? '\n' : rest[i]);
      } else {
        help.push_back(rest[i]);
      }
    }
    f.help = std::move(help);
    return std::nullopt;
  }
  if (!f.samples.empty()) return error(std::string(keyword) + " line for " + std::string(name) + " after its samples");
  if (keyword == "UNIT") {
    f.unit = std::string(rest);
    return std::nullopt;
  }
  if (!om_) {
    while (!rest.empty() && blank(rest.back())) rest.remove_suffix(1);
  }
  auto type = parse_type(rest, om_);
  if (!type) return error("unknown metric type '" + std::string(rest) + "'");
  f.type = *type;
  return std::nullopt;
}

std::optional<Error> Parser::sample_line() {
  if (!om_) skip_blanks();
  if (done()) return std::nullopt;  // a line of blanks
  Sample sample;
  auto name = metric_name();
  if (!name) return error("invalid metric name");
  sample.name = std::string(*name);
  std::size_t after_name = at_;
  if (!om_) skip_blanks();
  if (peek() != '{') at_ = after_name;  // the blanks are the value's separator
  if (peek() == '{') {
    if (auto e = labels(sample)) return e;
  }
  if (auto e = value_and_timestamp(sample)) return e;
  return place(std::move(sample));
}

std::optional<Error> Parser::labels(Sample& sample) {
  ++at_;  // '{'
  for (;;) {
    if (!om_) skip_blanks();
    if (peek() == '}') break;
    std::size_t start = at_;
    if (!label_start(peek())) return error("invalid label name");
    while (!done() && label_char(line_[at_])) ++at_;
    std::string label(line_.substr(start, at_ - start));
    for (const auto& [k, v] : sample.labels) {
      if (k == label) return error("duplicate label '" + label + "'");
    }
    if (!om_) skip_blanks();
    if (peek() != '=') return error("expected '=' after label name");
    ++at_;
    if (!om_) skip_blanks();
    std::string value;
    if (auto e = label_value(value)) return e;
    sample.labels.emplace_back(std::move(label), std::move(value));
    if (!om_) skip_blanks();
    if (peek() == ',') {
      ++at_;
      continue;
    }
    if (peek() != '}') return error("expected ',' or '}' in labels");
    break;
  }
  ++at_;  // '}'
  return std::nullopt;
}

std::optional<Error> Parser::label_value(std::string& value) {
  if (peek() != '"') return error("expected '\"' to start a label value");
  ++at_;
  for (;;) {
    if (done()) return error("unterminated label value");
    char c = line_[at_++];
    if (c == '"') return std::nullopt;
    if (c != '\\') {
      value.push_back(c);
      continue;
    }
    char e = peek();
    if (e != '\\' && e != '"' && e != 'n') return error("invalid escape in label value");
    value.push_back(e == 'n' ? '\n' : e);
    ++at_;
  }
}

std::optional<Error> Parser::value_and_timestamp(Sample& sample) {
  if (!separator()) return error("expected a space before the value");
  std::size_t start = at_;
  auto text = word();
  auto v = parse_double(text);
  if (!v) return (at_ = start, error("invalid value '" + std::string(text) + "'"));
  sample.value = *v;
  if (done()) return std::nullopt;
  if (!separator()) return error("expected a space after the value");
  if (done()) return om_ ? std::optional(error("trailing space")) : std::nullopt;
  if (om_ && peek() == '#') return exemplar();
  start = at_;
  text = word();
  if (om_) {
    auto seconds = parse_double(text);
    if (!seconds || !std::isfinite(*seconds)) return (at_ = start, error("invalid timestamp"));
    sample.timestamp_ms = static_cast<int64_t>(std::llround(*seconds * 1000));
  } else {
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || end != text.data() + text.size()) return (at_ = start, error("invalid timestamp"));
    sample.timestamp_ms = ms;
  }
  if (!om_) skip_blanks();
  if (om_ && peek() == ' ' && at_ + 1 < line_.size() && line_[at_ + 1] == '#') return (++at_, exemplar());
  if (!done()) return error("unexpected text after the timestamp");
  return std::nullopt;
}

// OpenMetrics exemplar: "# {labels} value [timestamp]"; checked, not kept.
std::optional<Error> Parser::exemplar() {
  if (line_.substr(at_, 3) != "# {") return error("expected an exemplar '# {'");
  at_ += 2;
  Sample ex;
  if (auto e = labels(ex)) return e;
  if (auto e = value_and_timestamp(ex)) return e;
  return std::nullopt;
}

std::optional<Error> Parser::place(Sample&& sample) {
  std::string_view name = sample.name;
  MetricFamily* target = nullptr;
  for (auto suffix : kSuffixes) {
    if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix) continue;
    auto it = index_.find(std::string(name.substr(0, name.size() - suffix.size())));
    if (it != index_.end() && type_allows(out_.families[it->second].type, suffix)) {
      target = &out_.families[it->second];
      if (om_ && suffix == "_bucket" && !sample.label("le")) return error("histogram bucket without an 'le' label");
      break;
    }
  }
  if (target == nullptr) target = &family(name);
  if (om_ && (target->type == MetricType::kCounter || target->type == MetricType::kHistogram) && target->name == name) {
    return error("sample name '" + sample.name + "' needs a suffix for a " +
                 std::string(metric_type_name(target->type)));
  }
  std::size_t index = static_cast<std::size_t>(target - out_.families.data());
  if (om_ && current_ && *current_ != index && !target->samples.empty()) {
    return error("samples of " + target->name + " are not together");
  }
  if (om_ && sample.name == target->name && target->type == MetricType::kSummary && !sample.label("quantile")) {
    return error("summary sample without a 'quantile' label");
  }
  current_ = index;
  target->samples.push_back(std::move(sample));
  return std::nullopt;
}

}  // namespace

std::string_view metric_type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
    case MetricType::kStateSet: return "stateset";
    case MetricType::kInfo: return "info";
    default: return "untyped";
  }
}

const std::string* Sample::label(std::string_view key) const {
  for (const auto& [k, v] : labels) {
    if (k == key) return &v;
  }
  return nullptr;
}

const MetricFamily* Exposition::find(std::string_view name) const {
  for (const auto& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Expected<Exposition> parse_exposition(std::string_view text, ExpositionFormat format) {
  bool om = format == ExpositionFormat::kOpenMetrics;
  if (format == ExpositionFormat::kAuto) {
    std::string_view t = text;
    if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
    om = t == "# EOF" || (t.size() > 6 && t.substr(t.size() - 6) == "\n# EOF");
  }
  return Parser(text, om).run();
}

}  // namespace aiperf::collectors
