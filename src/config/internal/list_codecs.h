// Codecs of the list- and mapping-valued options. Private to config/.
#pragma once

#include "config/internal/codec.h"

namespace aiperf::config::internal {

/// Header names whose values are credentials: redacted in input_config.
bool is_secret_header(std::string_view name);

// A repeatable flag: each use adds one element; in a config file, a list or one element.
template <class T>
struct Element;

template <>
struct Element<std::string> {
  static constexpr std::string_view type = "list of strings";
  static Expected<std::string> parse(std::string_view t) { return std::string(t); }
  static Expected<std::string> from_json(const json& v) { return Codec<std::string>::from_json(v); }
  static json to_json(const std::string& v) { return v; }
};

template <>
struct Element<HookSpec> {
  static constexpr std::string_view type = "list of {name, config}";
  static Expected<HookSpec> parse(std::string_view t) { return parse_hook_spec(t); }
  static Expected<HookSpec> from_json(const json& v) {
    if (v.is_string()) return HookSpec{v.get<std::string>()};
    if (!v.is_object() || !v.contains("name") || !v["name"].is_string()) {
      return fail(type_error("a mapping with 'name' and optional 'config'"));
    }
    for (const auto& [key, _] : v.items()) {
      if (key != "name" && key != "config") return fail(type_error("a mapping with 'name' and optional 'config' (unknown key '" + key + "')"));
    }
    json config = v.value("config", json::object());
    if (config.is_null()) config = json::object();
    if (!config.is_object()) return fail(type_error("a mapping with 'name' and optional 'config' (a mapping)"));
    return HookSpec{v["name"].get<std::string>(), config};
  }
  static json to_json(const HookSpec& h) { return {{"name", h.name}, {"config", h.config}}; }
};

template <class T>
struct ListCodec {
  static constexpr std::string_view type = Element<T>::type;
  static Expected<std::vector<T>> from_json(const json& v) {
    std::vector<T> out;
    for (const auto& item : v.is_array() ? v : json::array({v})) {
      auto e = Element<T>::from_json(item);
      if (!e) return fail(e.error());
      out.push_back(std::move(*e));
    }
    return out;
  }
  static json to_json(const std::vector<T>& list) {
    json out = json::array();
    for (const auto& e : list) out.push_back(Element<T>::to_json(e));
    return out;
  }
};

// Headers and extra inputs: -H Name:Value per flag; a mapping in a config file and in input_config.
template <class T, auto Parse>
struct MappingCodec {
  static Expected<std::vector<T>> from_json(const json& v) {
    if (!v.is_object()) return fail(type_error("a mapping"));
    std::vector<T> out;
    for (const auto& [key, value] : v.items()) {
      std::string text = key + ":" + (value.is_string() ? value.template get<std::string>() : value.dump());
      auto e = Parse(text);
      if (!e) return fail(e.error());
      out.push_back(std::move(*e));
    }
    return out;
  }
};

template <>
struct Element<Header> {
  static constexpr std::string_view type = "mapping name → value";
  static Expected<Header> parse(std::string_view t) { return parse_header(t); }
};
template <>
struct ListCodec<Header> : MappingCodec<Header, parse_header> {
  static constexpr std::string_view type = Element<Header>::type;
  static json to_json(const std::vector<Header>& list) {
    json out = json::object();
    for (const auto& h : list) out[h.name] = is_secret_header(h.name) ? "<redacted>" : h.value;
    return out;
  }
};

template <>
struct Element<ExtraInput> {
  static constexpr std::string_view type = "mapping key → any JSON value";
  static Expected<ExtraInput> parse(std::string_view t) { return parse_extra_input(t); }
};
template <>
struct ListCodec<ExtraInput> : MappingCodec<ExtraInput, parse_extra_input> {
  static constexpr std::string_view type = Element<ExtraInput>::type;
  static Expected<std::vector<ExtraInput>> from_json(const json& v) {
    if (!v.is_object()) return fail(type_error("a mapping"));
    std::vector<ExtraInput> out;
    for (const auto& [key, value] : v.items()) out.push_back({key, value});
    return out;
  }
  static json to_json(const std::vector<ExtraInput>& list) {
    json out = json::object();
    for (const auto& e : list) out[e.key] = e.value;
    return out;
  }
};

// --goodput: one text value; in a config file also a mapping of metric tag → bound.
template <>
struct Codec<std::vector<metrics::Slo>> {
  static constexpr std::string_view type = "mapping metric tag → bound, or the flag's string";
  static Expected<std::vector<metrics::Slo>> parse(std::string_view text) { return parse_slos(text); }
  static Expected<std::vector<metrics::Slo>> from_json(const json& v) {
    if (v.is_string()) return parse_slos(v.get<std::string>());
    if (v.is_object() && v.empty()) return std::vector<metrics::Slo>{};
    if (!v.is_object()) return fail(type_error("a mapping of metric: bound, or a string"));
    std::string text;
    for (const auto& [tag, bound] : v.items()) {
      if (!bound.is_number()) return fail(type_error("a mapping of metric: bound (a number)"));
      text += (text.empty() ? "" : " ") + tag + ":" + bound.dump();
    }
    return parse_slos(text);
  }
  static json to_json(const std::vector<metrics::Slo>& slos) {
    json out = json::object();
    for (const auto& s : slos) out[std::string(metrics::metric_info(s.metric).tag)] = s.bound;
    return out;
  }
};

}  // namespace aiperf::config::internal
