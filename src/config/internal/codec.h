// How each ProfileOptions field type is read from a flag's text and from a
// config-file value, and written to input_config. Private to config/.
#pragma once

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "config/option_values.h"

namespace aiperf::config::internal {

using nlohmann::json;

inline Error type_error(std::string_view what) {
  return make_error(ErrorCode::kInvalidArgument, "must be " + std::string(what));
}

template <class T>
struct Codec;

template <>
struct Codec<std::string> {
  static constexpr std::string_view type = "string";
  static Expected<std::string> parse(std::string_view text) { return std::string(text); }
  static Expected<std::string> from_json(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return v.dump();
    return fail(type_error("a string"));
  }
  static json to_json(const std::string& v) { return v; }
};

template <>
struct Codec<bool> {
  static constexpr std::string_view type = "bool";
  static Expected<bool> parse(std::string_view text) {
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0") return false;
    return fail(type_error("true or false"));
  }
  static Expected<bool> from_json(const json& v) {
    if (v.is_boolean()) return v.get<bool>();
    return fail(type_error("true or false"));
  }
  static json to_json(bool v) { return v; }
};

// Finite numbers only: inf, nan and 1e400 are refused rather than wrapped or saturated silently.
template <>
struct Codec<double> {
  static constexpr std::string_view type = "number";
  static Expected<double> parse(std::string_view text) {
    std::string s(text);
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) return fail(type_error("a finite number"));
    return v;
  }
  static Expected<double> from_json(const json& v) {
    if (v.is_number() && std::isfinite(v.get<double>())) return v.get<double>();
    return fail(type_error("a finite number"));
  }
  static json to_json(double v) { return v; }
};

// Non-negative integers: "-1" is an error, never 2^64 - 1.
template <>
struct Codec<uint64_t> {
  static constexpr std::string_view type = "integer";
  static Expected<uint64_t> parse(std::string_view text) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      return fail(type_error("a non-negative integer"));
    }
    return v;
  }
  static Expected<uint64_t> from_json(const json& v) {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
    return fail(type_error("a non-negative integer"));
  }
  static json to_json(uint64_t v) { return v; }
};

template <>
struct Codec<json> {
  static constexpr std::string_view type = "JSON object";
  static Expected<json> parse(std::string_view text) { return parse_json_object(text); }
  static Expected<json> from_json(const json& v) {
    if (v.is_object()) return v;
    if (v.is_null()) return json::object();
    return fail(type_error("a mapping"));
  }
  static json to_json(const json& v) { return v; }
};

// An enum or structured value with a text form: parse from text, or from a JSON string.
template <class T, auto Parse, auto Print>
struct TextCodec {
  static Expected<T> parse(std::string_view text) { return Parse(text); }
  static Expected<T> from_json(const json& v) {
    if (!v.is_string()) return fail(type_error("a string"));
    return Parse(v.get<std::string>());
  }
  static json to_json(const T& v) { return std::string(Print(v)); }
};

template <>
struct Codec<ArrivalPattern> : TextCodec<ArrivalPattern, parse_arrival_pattern,
                                         static_cast<std::string_view (*)(ArrivalPattern)>(to_string)> {
  static constexpr std::string_view type = "`constant`, `poisson` or `gamma`";
};
template <>
struct Codec<UiMode> : TextCodec<UiMode, parse_ui_mode, static_cast<std::string_view (*)(UiMode)>(to_string)> {
  static constexpr std::string_view type = "`simple` or `none`";
};

template <>
struct Codec<HookIsolation> : TextCodec<HookIsolation, parse_hook_isolation,
                                        static_cast<std::string_view (*)(HookIsolation)>(to_string)> {
  static constexpr std::string_view type = "`process` or `none`";
};

template <>
struct Codec<TimestampSource> : TextCodec<TimestampSource, parse_timestamp_source,
                                          static_cast<std::string_view (*)(TimestampSource)>(to_string)> {
  static constexpr std::string_view type = "`kernel` or `user`";
};

template <class T>
struct Codec<std::optional<T>> {
  static constexpr std::string_view type = Codec<T>::type;
  static Expected<std::optional<T>> parse(std::string_view text) {
    auto v = Codec<T>::parse(text);
    if (!v) return fail(v.error());
    return std::optional<T>(*v);
  }
  static Expected<std::optional<T>> from_json(const json& v) {
    if (v.is_null()) return std::optional<T>();
    auto parsed = Codec<T>::from_json(v);
    if (!parsed) return fail(parsed.error());
    return std::optional<T>(*parsed);
  }
  static json to_json(const std::optional<T>& v) { return v ? Codec<T>::to_json(*v) : json(nullptr); }
};

}  // namespace aiperf::config::internal
