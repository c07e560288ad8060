#include "config/option_values.h"

#include <fmt/format.h>

namespace aiperf::config {
namespace {

Error invalid(std::string message) { return make_error(ErrorCode::kInvalidArgument, std::move(message)); }

// RFC 9110 token characters.
bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Splits "key:value" at the first ':' and trims spaces after it.
Expected<std::pair<std::string, std::string>> split_pair(std::string_view text, std::string_view form) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(invalid(fmt::format("must be {}, got '{}'", form, text)));
  }
  std::string_view value = text.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return std::pair{std::string(text.substr(0, colon)), std::string(value)};
}

}  // namespace

Expected<Header> parse_header(std::string_view text) {
  auto kv = split_pair(text, "Name:Value");
  if (!kv) return fail(kv.error());
  for (char c : kv->first) {
    if (!is_token_char(c)) return fail(invalid(fmt::format("header name '{}' has a character not allowed in a name", kv->first)));
  }
  if (kv->second.find_first_of("\r\n") != std::string::npos) {
    return fail(invalid(fmt::format("header '{}' has a line break in its value", kv->first)));
  }
  return Header{kv->first, kv->second};
}

Expected<ExtraInput> parse_extra_input(std::string_view text) {
  auto kv = split_pair(text, "key:value");
  if (!kv) return fail(kv.error());
  auto value = nlohmann::json::parse(kv->second, nullptr, false);
  return ExtraInput{kv->first, value.is_discarded() ? nlohmann::json(kv->second) : value};
}

Expected<nlohmann::json> parse_json_object(std::string_view text) {
  if (text.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(invalid(fmt::format("must be a JSON object, got: {}", text)));
  return j;
}

Expected<HookSpec> parse_hook_spec(std::string_view text) {
  auto eq = text.find('=');
  std::string name(text.substr(0, eq));
  if (name.empty()) return fail(invalid(fmt::format("needs a NAME, got '{}'", text)));
  if (eq == std::string_view::npos) return HookSpec{name};
  auto config = parse_json_object(text.substr(eq + 1));
  if (!config) return fail(invalid(name + ": config " + config.error().message));
  return HookSpec{name, *config};
}

Expected<ArrivalPattern> parse_arrival_pattern(std::string_view text) {
  if (text == "constant") return ArrivalPattern::kConstant;
  if (text == "poisson") return ArrivalPattern::kPoisson;
  if (text == "gamma") return ArrivalPattern::kGamma;
  return fail(invalid(fmt::format("must be constant, poisson or gamma, got '{}'", text)));
}

Expected<UiMode> parse_ui_mode(std::string_view text) {
  if (text == "simple") return UiMode::kSimple;
  if (text == "none") return UiMode::kNone;
  return fail(invalid(fmt::format("must be 'simple' or 'none', got '{}'", text)));
}

Expected<HookIsolation> parse_hook_isolation(std::string_view text) {
  if (text == "process") return HookIsolation::kProcess;
  if (text == "none") return HookIsolation::kNone;
  return fail(invalid(fmt::format("must be 'process' or 'none', got '{}'", text)));
}

std::string_view to_string(HookIsolation isolation) { return isolation == HookIsolation::kNone ? "none" : "process"; }

Expected<TimestampSource> parse_timestamp_source(std::string_view text) {
  if (text == "kernel") return TimestampSource::kKernel;
  if (text == "user") return TimestampSource::kUser;
  return fail(invalid(fmt::format("must be 'kernel' or 'user', got '{}'", text)));
}

std::string_view to_string(TimestampSource source) { return source == TimestampSource::kUser ? "user" : "kernel"; }

Expected<std::vector<metrics::Slo>> parse_slos(std::string_view text) {
  return metrics::parse_goodput(text);
}

std::string_view to_string(ArrivalPattern pattern) {
  switch (pattern) {
    case ArrivalPattern::kConstant: return "constant";
    case ArrivalPattern::kPoisson: return "poisson";
    case ArrivalPattern::kGamma: return "gamma";
  }
  return "poisson";
}

std::string_view to_string(UiMode mode) { return mode == UiMode::kNone ? "none" : "simple"; }

std::string to_string(const std::vector<metrics::Slo>& slos) {
  std::string out;
  for (const auto& slo : slos) {
    out += fmt::format("{}{}:{}", out.empty() ? "" : " ", metrics::metric_info(slo.metric).tag, slo.bound);
  }
  return out;
}

}  // namespace aiperf::config
