// A plugin's configuration: the JSON object from the user's config section,
// with typed accessors whose errors name the key and what was wrong.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace aiperf {

/// Thrown by a plugin (or by PluginConfig) to reject its configuration.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Read-only typed view of one implementation's config object.
class PluginConfig {
 public:
  /// An empty config ({}).
  PluginConfig() : json_(nlohmann::json::object()) {}
  /// Wraps a JSON object; anything else is a ConfigError.
  explicit PluginConfig(nlohmann::json json) : json_(std::move(json)) {
    if (json_.is_null()) json_ = nlohmann::json::object();
    if (!json_.is_object()) throw ConfigError("config must be a mapping, got " + type_name(json_));
  }
  /// Parses JSON text (null or empty text means {}).
  static PluginConfig parse(const char* text) {
    if (text == nullptr || *text == '\0') return PluginConfig();
    auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) throw ConfigError("config is not valid JSON");
    return PluginConfig(std::move(json));
  }

  /// True when the key is present.
  bool has(std::string_view key) const { return json_.contains(key); }

  /// The value of a required key converted to T; ConfigError if missing or of the wrong type.
  template <class T>
  T require(std::string_view key) const {
    auto it = json_.find(key);
    if (it == json_.end()) throw ConfigError("missing required key '" + std::string(key) + "'");
    return convert<T>(key, *it);
  }

  /// The value of an optional key converted to T, or `fallback` when absent.
  template <class T>
  T get(std::string_view key, T fallback) const {
    auto it = json_.find(key);
    if (it == json_.end() || it->is_null()) return fallback;
    return convert<T>(key, *it);
  }

  /// Rejects keys outside `known`, suggesting the closest known key.
  void allow_only(std::initializer_list<std::string_view> known) const {
    for (const auto& item : json_.items()) {
      bool ok = false;
      for (auto k : known) ok = ok || item.key() == k;
      if (ok) continue;
      std::string msg = "unknown key '" + item.key() + "'";
      std::string_view best;
      std::size_t best_distance = 3;  // suggest only near misses
      for (auto k : known) {
        std::size_t d = edit_distance(item.key(), k);
        if (d < best_distance) best_distance = d, best = k;
      }
      if (!best.empty()) msg += " (did you mean '" + std::string(best) + "'?)";
      throw ConfigError(msg);
    }
  }

  /// The underlying JSON object.
  const nlohmann::json& json() const { return json_; }

 private:
  template <class T>
  static T convert(std::string_view key, const nlohmann::json& value) {
    try {
      return value.get<T>();
    } catch (const nlohmann::json::exception&) {
      throw ConfigError("key '" + std::string(key) + "' has the wrong type: got " +
                        type_name(value) + " " + value.dump());
    }
  }
  static std::string type_name(const nlohmann::json& value) { return value.type_name(); }
  static std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      }
      std::swap(prev, cur);
    }
    return prev[b.size()];
  }

  nlohmann::json json_;
};

}  // namespace aiperf
