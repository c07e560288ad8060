#include "metrics/server_timing.h"

#include <charconv>
#include <cmath>

namespace aiperf::metrics {
namespace {

// RFC 9110 tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A cursor over the value; errors name the 1-based column.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;

  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  void skip_ows() {
    while (!done() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  Error error(std::string what) const {
    return make_error(ErrorCode::kMalformedInput, what + " at column " + std::to_string(i + 1)).about("server-timing");
  }
  Expected<std::string> token(const char* what) {
    std::size_t start = i;
    while (!done() && is_tchar(s[i])) ++i;
    if (i == start) return fail(error(std::string("expected ") + what));
    return std::string(s.substr(start, i - start));
  }
  Expected<std::string> quoted() {
    std::string out;
    for (++i; !done(); ++i) {
      char c = s[i];
      if (c == '"') {
        ++i;
        return out;
      }
      if (c == '\\') {
        if (++i >= s.size()) break;
        c = s[i];
      }
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return fail(error("control character in quoted string"));
      out.push_back(c);
    }
    return fail(error("unterminated quoted string"));
  }
  Expected<std::string> param_value() { return peek() == '"' ? quoted() : token("a parameter value"); }
};

Expected<double> duration(const std::string& text, const Cursor& at) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < 0) {
    return fail(at.error("dur '" + text + "' is not a non-negative number of ms"));
  }
  return v;
}

// One metric's parameters, after its name: *( OWS ";" OWS name OWS "=" OWS value ).
Expected<void> parse_params(Cursor& c, ServerTimingMetric& m) {
  bool have_dur = false, have_desc = false;
  for (c.skip_ows(); c.peek() == ';'; c.skip_ows()) {
    ++c.i;
    c.skip_ows();
    auto name = c.token("a parameter name");
    if (!name) return fail(name.error());
    c.skip_ows();
    if (c.peek() != '=') return fail(c.error("expected '=' after parameter '" + *name + "'"));
    ++c.i;
    c.skip_ows();
    auto value = c.param_value();
    if (!value) return fail(value.error());
    if (*name == "dur" && !have_dur) {
      auto d = duration(*value, c);
      if (!d) return fail(d.error());
      m.dur_ms = *d, have_dur = true;
    } else if (*name == "desc" && !have_desc) {
      m.desc = std::move(*value), have_desc = true;
    }
  }
  return {};
}

}  // namespace

Expected<std::vector<ServerTimingMetric>> parse_server_timing(std::string_view value) {
  Cursor c{value};
  std::vector<ServerTimingMetric> out;
  for (;;) {
    c.skip_ows();
    if (c.peek() == ',') {  // #rule: empty list elements are allowed and ignored
      ++c.i;
      continue;
    }
    if (c.done()) break;
    ServerTimingMetric m;
    auto name = c.token("a metric name");
    if (!name) return fail(name.error());
    m.name = std::move(*name);
    if (auto params = parse_params(c, m); !params) return fail(params.error());
    out.push_back(std::move(m));
    c.skip_ows();
    if (c.done()) break;
    if (c.peek() != ',') return fail(c.error("expected ',' or ';'"));
    ++c.i;
  }
  return out;
}

Expected<ServerTiming> server_timing_of(std::string_view value) {
  auto metrics = parse_server_timing(value);
  if (!metrics) return fail(metrics.error());
  ServerTiming t;
  for (const auto& m : *metrics) {
    std::optional<double>* slot = m.name == "queue" ? &t.queue_ms
                                  : m.name == "prefill" ? &t.prefill_ms
                                  : m.name == "decode" ? &t.decode_ms
                                                       : nullptr;
    if (slot && !*slot) *slot = m.dur_ms;
  }
  return t;
}

}  // namespace aiperf::metrics
